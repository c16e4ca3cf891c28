package io.tuns.alertbot.alerts;

import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.OutboxMail;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each webhook notification to the channel, or by e-mail while IRC is down. Lines the bouncer has not
 * confirmed when the link fails are e-mailed too, so nothing is dropped. Watchdog (heartbeat) alerts are taken
 * out and handed to the {@link Heartbeat}; they are not relayed.
 */
public final class AlertRelay {
    private static final Logger log = LoggerFactory.getLogger(AlertRelay.class);
    private final ChannelSink irc;
    private final MailSink mail;
    private final AlertFormatter format;
    private final MailText text;
    private final List<String> to;
    private final Clock clock;
    private final Heartbeat heartbeat;
    private final NotificationCounter counter;
    private final MailedWhileDown mailedWhileDown = new MailedWhileDown();

    public AlertRelay(ChannelSink irc, MailSink mail, AlertFormatter format, MailText text, List<String> to,
                      Clock clock, Heartbeat heartbeat, NotificationCounter counter) {
        this.irc = irc;
        this.mail = mail;
        this.format = format;
        this.text = text;
        this.to = to;
        this.clock = clock;
        this.heartbeat = heartbeat;
        this.counter = counter;
    }

    /** Returns false when some alert could be neither relayed nor stored (the webhook then answers 503). */
    public boolean relay(WebhookPayload p) {
        List<Alert> firing = new ArrayList<>();
        List<Alert> resolved = new ArrayList<>();
        for (Alert a : p.alerts()) {
            if (heartbeat.isHeartbeat(a)) {
                if (a.firing()) {
                    heartbeat.seen();
                }
                continue;
            }
            (a.firing() ? firing : resolved).add(a);
        }
        boolean ok = true;
        if (!firing.isEmpty()) {
            ok &= send("firing", firing, p);
        }
        if (!resolved.isEmpty()) {
            ok &= send("resolved", resolved, p);
        }
        return ok;
    }

    private boolean send(String status, List<Alert> alerts, WebhookPayload p) {
        List<String> lines = new ArrayList<>(format.ircLines(status, alerts, p));
        if (status.equals("resolved") && alerts.stream().filter(mailedWhileDown::firingWasMailed).count() > 0) {
            lines.add(Math.min(1, lines.size()), "(its FIRING went by e-mail while IRC was down)");
        }
        Runnable fallback = () -> mail(status, alerts, p,
                "IRC link failed before the bouncer confirmed this notification; sending it by e-mail.");
        if (irc.deliver(lines, fallback)) {
            counter.count("irc", "ok");
            log.info("event=alert_relayed channel=irc status={} alerts={}", status, alerts.size());
            return true;
        }
        return mail(status, alerts, p, "The IRC link is down (or too many notifications await the bouncer's confirmation), so this alert comes by e-mail.");
    }

    /**
     * Called when the link to the channel is up again: one line saying what went by e-mail meanwhile. If the
     * bouncer does not confirm it, nothing more is done: every one of those alerts was mailed already.
     */
    public void ircIsBack() {
        mailedWhileDown.takeSummary().ifPresent(line -> {
            if (irc.deliver(List.of(line), () -> log.info("event=outage_summary_unconfirmed"))) {
                log.info("event=outage_summary_sent");
            }
        });
    }

    private boolean mail(String status, List<Alert> alerts, WebhookPayload p, String why) {
        mailedWhileDown.mailed(status.equals("firing"), alerts, clock.instant());
        boolean ok = mail.enqueue(new OutboxMail(text.newMessageId("alert"), Optional.empty(), to,
                format.subject(status, alerts, p), format.mailBody(status, alerts, p, why), clock.instant(),
                "alert"));
        counter.count("email", ok ? "queued" : "dropped");
        log.info("event=alert_relayed channel=email status={} alerts={} queued={}", status, alerts.size(), ok);
        return ok;
    }
}
