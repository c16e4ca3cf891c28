package io.tuns.alertbot.peer;

import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.OutboxMail;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two bots on two hosts watching each other: this one's view of a peer bot's {@code /healthz}. UP → FAILING (probes
 * fail, within {@code grace} of the last good probe) → DOWN (one mail) → UP (one RECOVERED mail with the downtime).
 * Not persisted: after our own restart a peer that is still down is reported again, one grace later. Decisions only;
 * {@link PeerProbe} does the HTTP.
 */
public final class PeerWatch {
    private static final Logger log = LoggerFactory.getLogger(PeerWatch.class);

    public enum Status { STARTING, UP, FAILING, DOWN }

    private final String name;
    private final String where;
    private final Duration grace;
    private final Clock clock;
    private final MailSink mail;
    private final MailText text;
    private final List<String> to;
    private final Instant startedAt;
    private Status status = Status.STARTING;
    private Instant lastGood;
    private String lastError;
    private String threadId;

    public PeerWatch(String name, String where, Duration grace, Clock clock, MailSink mail, MailText text,
                     List<String> to) {
        this.name = name;
        this.where = where;
        this.grace = grace;
        this.clock = clock;
        this.mail = mail;
        this.text = text;
        this.to = to;
        this.startedAt = clock.instant();
    }

    public synchronized void ok() {
        Instant now = clock.instant();
        if (status == Status.DOWN) {
            Duration down = Duration.between(lastGood, now);
            send("recovered", "[RECOVERED after " + MailText.duration(down) + "] peer alert bot " + name,
                    "The peer alert bot " + name + " (" + where + ") answers again.\n\n"
                            + "last good:   " + text.time(lastGood) + "\nback at:     " + text.time(now)
                            + "\ndowntime:    " + MailText.duration(down) + "\n");
            log.info("event=peer_recovered peer={} downtime={}", name, MailText.duration(down));
        }
        status = Status.UP;
        lastGood = now;
        lastError = null;
        threadId = null;
    }

    public synchronized void failed(String error) {
        lastError = error;
        if (status == Status.UP || status == Status.STARTING) {
            status = Status.FAILING;
            if (lastGood == null) {
                lastGood = startedAt; // never seen up since our start: count from then
            }
        }
        tick();
    }

    /** Called after each probe and by the bot's 1 s tick. */
    public synchronized void tick() {
        Instant now = clock.instant();
        if (status == Status.FAILING && !now.isBefore(lastGood.plus(grace))) {
            status = Status.DOWN;
            send("down", "[DOWN] peer alert bot " + name + " — " + lastError,
                    "The peer alert bot " + name + " (" + where + ") has not answered since " + text.time(lastGood)
                            + ".\nIts host, or the bot on it, may be down: what it watches is unwatched.\n\n"
                            + "last good:   " + text.time(lastGood) + "\nlast error:  " + lastError + "\n");
            log.warn("event=peer_down peer={} error=\"{}\"", name, lastError);
        }
    }

    private void send(String kind, String subject, String body) {
        String id = text.newMessageId("peer-" + kind);
        Optional<String> reply = Optional.ofNullable(threadId);
        if (threadId == null) {
            threadId = id;
        }
        if (!mail.enqueue(new OutboxMail(id, reply, to, subject, body, clock.instant(), "incident-peer-" + kind))) {
            log.error("event=peer_mail_not_queued peer={} kind={}", name, kind);
        }
    }

    public synchronized Status status() {
        return status;
    }

    /** For /status. */
    public synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("url", where);
        m.put("lastGood", lastGood == null ? null : lastGood.toString());
        m.put("lastError", lastError);
        return m;
    }
}
