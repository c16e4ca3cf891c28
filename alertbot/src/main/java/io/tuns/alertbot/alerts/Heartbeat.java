package io.tuns.alertbot.alerts;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.OutboxMail;
import io.tuns.alertbot.state.HeartbeatState;
import io.tuns.alertbot.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-man's switch for the alert pipeline: an always-firing alert (default {@code Watchdog}) must arrive every
 * {@code expect-every}; when it stops, one mail says "alert pipeline silent since …", and one more when it is back.
 */
public final class Heartbeat {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    private final AlertbotConfig.Heartbeat cfg;
    private final Clock clock;
    private final MailSink mail;
    private final MailText text;
    private final List<String> to;
    private final StateStore store;
    private final Instant startedAt;
    private HeartbeatState state;

    public Heartbeat(AlertbotConfig.Heartbeat cfg, Clock clock, MailSink mail, MailText text, List<String> to,
                     StateStore store) {
        this.cfg = cfg;
        this.clock = clock;
        this.mail = mail;
        this.text = text;
        this.to = to;
        this.store = store;
        this.startedAt = clock.instant();
        // Before the first heartbeat, count from start-up so a pipeline that never worked is reported too.
        // Persisted at once, so frequent restarts cannot keep postponing the first "silent" mail.
        this.state = store.heartbeat().orElse(null);
        if (state == null) {
            state = new HeartbeatState(clock.instant(), false, null, false);
            if (cfg.enabled()) {
                store.saveHeartbeat(state);
            }
        }
    }

    public boolean isHeartbeat(Alert a) {
        return cfg.enabled() && cfg.alertname().equals(a.name());
    }

    public synchronized void seen() {
        Instant now = clock.instant();
        if (state.silent()) {
            send("[RECOVERED] alert pipeline heartbeat back after " + MailText.duration(Duration.between(state.lastSeen(), now)),
                    "The " + cfg.alertname() + " alert arrives again: the alert pipeline works.\n\n"
                            + "silent since: " + text.time(state.lastSeen()) + "\nback at:      " + text.time(now) + "\n",
                    Optional.ofNullable(state.threadId()), "heartbeat-recovered");
            log.info("event=heartbeat_back silent_since={}", state.lastSeen());
        }
        state = new HeartbeatState(now, false, null, true);
        store.saveHeartbeat(state);
    }

    public synchronized void tick() {
        if (!cfg.enabled() || state.silent()) {
            return;
        }
        Instant now = clock.instant();
        // While the bot itself was stopped no Watchdog could arrive: once the pipeline has worked, give Alertmanager
        // one expect-every after our start to deliver the next one instead of reporting our own downtime as its
        // silence. A pipeline that never delivered is counted from the first start, so restarts cannot hide it.
        Instant countFrom = state.everSeen() && startedAt.isAfter(state.lastSeen()) ? startedAt : state.lastSeen();
        if (Duration.between(countFrom, now).compareTo(cfg.expectEvery()) > 0) {
            String id = send("[SILENT] alert pipeline silent since " + text.time(state.lastSeen()),
                    "No " + cfg.alertname() + " alert has arrived for " + MailText.duration(Duration.between(state.lastSeen(), now))
                            + " (expected every " + MailText.duration(cfg.expectEvery()) + ").\n"
                            + "Prometheus, Alertmanager or Grafana may be down, or their route to this bot is broken:\n"
                            + "alerts may not be reaching anyone.\n\n"
                            + "alert pipeline silent since " + text.time(state.lastSeen()) + "\n",
                    Optional.empty(), "heartbeat-silent");
            state = new HeartbeatState(state.lastSeen(), true, id, state.everSeen());
            store.saveHeartbeat(state);
            log.warn("event=heartbeat_silent since={}", state.lastSeen());
        }
    }

    public synchronized HeartbeatState state() {
        return state;
    }

    private String send(String subject, String body, Optional<String> reply, String kind) {
        String id = text.newMessageId(kind);
        mail.enqueue(new OutboxMail(id, reply, to, subject, body, clock.instant(), kind));
        return id;
    }
}
