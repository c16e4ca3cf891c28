package io.tuns.alertbot.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incident and heartbeat state in {@code state-dir/state.json}, rewritten atomically on every change, so a restart
 * neither re-alerts nor forgets an open incident. A corrupt file is moved aside and reported, not fatal.
 */
public final class StateStore {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private IncidentState incident;
    private HeartbeatState heartbeat;

    public StateStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.file = dir.resolve("state.json");
        this.incident = IncidentState.initial();
        this.heartbeat = null;
        if (Files.exists(file)) {
            try {
                JsonNode root = JSON.readTree(Files.readString(file));
                JsonNode i = root.path("incident");
                if (i.isObject()) {
                    incident = new IncidentState(i.path("status").asText("STARTING"), inst(i, "since"),
                            i.path("attempts").asInt(), str(i, "lastReason"), str(i, "lastDetail"),
                            inst(i, "lastSuccess"), str(i, "threadId"), inst(i, "downAt"), inst(i, "lastNoticeAt"),
                            i.path("reminders").asInt(), str(i, "cause"));
                }
                JsonNode h = root.path("heartbeat");
                if (h.isObject()) {
                    heartbeat = new HeartbeatState(inst(h, "lastSeen"), h.path("silent").asBoolean(),
                            str(h, "threadId"), h.path("everSeen").asBoolean(true));
                }
            } catch (IOException | RuntimeException e) {
                Path aside = dir.resolve("state.json.corrupt");
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                log.error("event=state_corrupt moved_to={} error=\"{}\"", aside, e.getClass().getSimpleName());
            }
        }
    }

    public synchronized IncidentState incident() {
        return incident;
    }

    public synchronized Optional<HeartbeatState> heartbeat() {
        return Optional.ofNullable(heartbeat);
    }

    public synchronized void saveIncident(IncidentState s) {
        incident = s;
        write();
    }

    public synchronized void saveHeartbeat(HeartbeatState s) {
        heartbeat = s;
        write();
    }

    private void write() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode i = root.putObject("incident");
        i.put("status", incident.status());
        put(i, "since", incident.since());
        i.put("attempts", incident.attempts());
        i.put("lastReason", incident.lastReason());
        i.put("lastDetail", incident.lastDetail());
        put(i, "lastSuccess", incident.lastSuccess());
        i.put("threadId", incident.threadId());
        put(i, "downAt", incident.downAt());
        put(i, "lastNoticeAt", incident.lastNoticeAt());
        i.put("reminders", incident.reminders());
        i.put("cause", incident.cause());
        if (heartbeat != null) {
            ObjectNode h = root.putObject("heartbeat");
            put(h, "lastSeen", heartbeat.lastSeen());
            h.put("silent", heartbeat.silent());
            h.put("threadId", heartbeat.threadId());
            h.put("everSeen", heartbeat.everSeen());
        }
        try {
            Path tmp = file.resolveSibling("state.json.tmp");
            Files.writeString(tmp, root.toPrettyString());
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            log.error("event=state_write_failed file={} error={}", file, e.toString());
        }
    }

    private static void put(ObjectNode n, String k, Instant t) {
        if (t != null) {
            n.put(k, t.toString());
        }
    }

    private static Instant inst(JsonNode n, String k) {
        return n.hasNonNull(k) ? Instant.parse(n.get(k).asText()) : null;
    }

    private static String str(JsonNode n, String k) {
        return n.hasNonNull(k) ? n.get(k).asText() : null;
    }
}
