package io.tuns.alertbot.watch;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.irc.Failure;
import io.tuns.alertbot.irc.FailureReason;
import io.tuns.alertbot.irc.LinkListener;
import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.OutboxMail;
import io.tuns.alertbot.state.IncidentState;
import io.tuns.alertbot.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link's incident state machine: UP → FAILING (within grace) → DOWN (one mail) → reminders → UP (one
 * RECOVERED mail with the downtime). Failures that retrying cannot heal go DOWN at once. Alert timing depends only
 * on the clock and the failure count, never on the reconnect backoff. {@link #tick} is called about once a second.
 */
public final class Watchdog implements LinkListener {
    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    public enum Status { STARTING, UP, FAILING, DOWN }

    private final AlertbotConfig.Watch cfg;
    private final Clock clock;
    private final String target;
    private final String context;
    private final List<String> to;
    private final MailSink mail;
    private final MailText text;
    private final StateStore store;
    private final String reporter;

    private Status status;
    private Instant since;
    private int attempts;
    private String lastReason;
    private String lastDetail;
    private Instant lastSuccess;
    private String threadId;
    private Instant downAt;
    private Instant lastNoticeAt;
    private int reminders;
    private String cause;

    public Watchdog(AlertbotConfig.Watch cfg, Clock clock, String target, String context, List<String> to,
                    MailSink mail, MailText text, StateStore store, String reporter) {
        this.cfg = cfg;
        this.clock = clock;
        this.target = target;
        this.context = context;
        this.to = to;
        this.mail = mail;
        this.text = text;
        this.store = store;
        this.reporter = reporter;
        IncidentState s = store.incident();
        Status restored;
        try {
            restored = Status.valueOf(s.status());
        } catch (IllegalArgumentException e) {
            restored = Status.STARTING;
        }
        status = restored == Status.UP ? Status.STARTING : restored;
        since = s.since();
        attempts = s.attempts();
        lastReason = s.lastReason();
        lastDetail = s.lastDetail();
        lastSuccess = s.lastSuccess();
        threadId = s.threadId();
        downAt = s.downAt();
        lastNoticeAt = s.lastNoticeAt();
        reminders = s.reminders();
        cause = s.cause();
        if (status == Status.DOWN) {
            log.warn("event=watchdog_restored status=DOWN target={} since={} (no new DOWN mail; RECOVERED follows)",
                    target, since);
        } else if (status == Status.FAILING) {
            log.warn("event=watchdog_restored status=FAILING target={} since={}", target, since);
        }
    }

    @Override
    public void onAttempt() {
        // Attempts are counted as they fail; see onFailure.
    }

    @Override
    public synchronized void onUp() {
        Instant now = clock.instant();
        if (status == Status.DOWN) {
            Duration downtime = Duration.between(since, now);
            send("recovered", "[RECOVERED after " + MailText.duration(downtime) + "] IRC bouncer " + target,
                    "The alert bot reaches the IRC bouncer again; alerts go to IRC again.\n\n"
                            + facts(now, "RECOVERED") + line("recovered at", text.time(now))
                            + line("downtime", MailText.duration(downtime)));
            log.info("event=incident_closed target={} downtime={}", target, MailText.duration(downtime));
        } else if (status == Status.FAILING) {
            log.info("event=recovered_within_grace target={} attempts={}", target, attempts);
        }
        status = Status.UP;
        since = null;
        attempts = 0;
        threadId = null;
        downAt = null;
        lastNoticeAt = null;
        reminders = 0;
        cause = null;
        lastSuccess = now;
        persist();
    }

    @Override
    public synchronized void onFailure(Failure f) {
        Instant now = clock.instant();
        lastReason = f.reason().label();
        lastDetail = f.summary();
        if (status == Status.UP || status == Status.STARTING) {
            status = Status.FAILING;
            // A hung bouncer is noticed a read deadline late; grace and downtime count from when it went quiet.
            since = f.lastGood() != null && f.lastGood().isBefore(now) ? f.lastGood() : now;
            attempts = 0;
            cause = f.summary();
        }
        attempts++;
        if (status == Status.FAILING && (f.permanent() || dueDown(now))) {
            goDown(now);
        }
        persist();
    }

    public synchronized void tick() {
        Instant now = clock.instant();
        if (status == Status.FAILING && dueDown(now)) {
            goDown(now);
            persist();
        } else if (status == Status.DOWN && lastNoticeAt != null
                && !now.isBefore(lastNoticeAt.plus(cfg.reminderInterval()))) {
            reminders++;
            Duration down = Duration.between(since, now);
            send("reminder", "[STILL DOWN " + MailText.duration(down) + "] IRC bouncer " + target + " — "
                    + reasonText(), "Reminder " + reminders + ": the alert bot still cannot use the IRC bouncer.\n\n"
                    + facts(now, "DOWN"));
            lastNoticeAt = now;
            persist();
        }
    }

    private boolean dueDown(Instant now) {
        return !now.isBefore(since.plus(cfg.grace()))
                || (cfg.failureThreshold() > 0 && attempts >= cfg.failureThreshold());
    }

    private void goDown(Instant now) {
        status = Status.DOWN;
        downAt = now;
        lastNoticeAt = now;
        threadId = null;
        send("down", "[DOWN] IRC bouncer " + target + " — " + reasonText(),
                "The alert bot cannot use the IRC bouncer: alerts now go by e-mail until it is back.\n\n"
                        + facts(now, "DOWN"));
        log.warn("event=incident_opened target={} reason={} since={}", target, lastReason, since);
    }

    /**
     * The failure that opened the incident (retries against a hung host fail differently: handshake timeouts),
     * and how retries fail now when that differs: "connection lost: closed by the bouncer (now connection refused)".
     */
    private String reasonText() {
        String r = cause != null ? cause : lastDetail;
        if (r == null) {
            return "unknown";
        }
        String shortened = r.length() > 90 ? r.substring(0, 90) + "…" : r;
        String now = currentReason();
        return now == null || r.startsWith(now) ? shortened : shortened + " (now " + now + ")";
    }

    private String currentReason() {
        if (lastReason == null) {
            return null;
        }
        try {
            return FailureReason.valueOf(lastReason.toUpperCase(Locale.ROOT)).description();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private String facts(Instant now, String state) {
        return line("state", state)
                + line("target", target + " (" + context + ")")
                + line("since", text.time(since) + " (last moment the link was known good)")
                + line("duration", MailText.duration(Duration.between(since, now)))
                + line("attempts", Integer.toString(attempts))
                + line("cause", cause == null ? "unknown" : cause)
                + line("last error", lastDetail == null ? "none" : lastDetail)
                + line("last success", text.time(lastSuccess))
                + line("reporting", reporter);
    }

    private static String line(String k, String v) {
        return String.format("%-13s %s%n", k + ":", v);
    }

    private void send(String kind, String subject, String body) {
        Instant now = clock.instant();
        String id = text.newMessageId("incident-" + kind);
        Optional<String> reply = Optional.ofNullable(threadId);
        if (threadId == null) {
            threadId = id;
        }
        boolean ok = mail.enqueue(new OutboxMail(id, reply, to, subject, body, now, "incident-" + kind));
        if (!ok) {
            log.error("event=incident_mail_not_queued kind={}", kind);
        }
    }

    private void persist() {
        store.saveIncident(new IncidentState(status.name(), since, attempts, lastReason, lastDetail, lastSuccess,
                threadId, downAt, lastNoticeAt, reminders, cause));
    }

    public synchronized Status status() {
        return status;
    }

    /** For /status. */
    public synchronized Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("target", target);
        m.put("since", since == null ? null : since.toString());
        m.put("attempts", attempts);
        m.put("lastReason", lastReason);
        m.put("cause", cause);
        m.put("lastError", lastDetail);
        m.put("lastSuccess", lastSuccess == null ? null : lastSuccess.toString());
        m.put("incidentOpen", status == Status.DOWN);
        m.put("reminders", reminders);
        return m;
    }
}
