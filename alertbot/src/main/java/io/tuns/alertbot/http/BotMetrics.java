package io.tuns.alertbot.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tuns.alertbot.alerts.NotificationCounter;
import io.tuns.alertbot.irc.Failure;
import io.tuns.alertbot.irc.LinkListener;
import io.tuns.alertbot.mail.Outbox;
import io.tuns.alertbot.mail.OutboxMail;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;

/** The bot's own metrics ({@code tuns_alertbot_*}) in a registry of its own. */
public final class BotMetrics implements LinkListener, NotificationCounter, Outbox.Listener {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;
    private final Gauge up = Gauge.builder().name("tuns_alertbot_bouncer_up")
            .help("1 while the bot is registered with the bouncer and in the channel").register(registry);
    private final Counter attempts = Counter.builder().name("tuns_alertbot_connect_attempts_total")
            .help("Connection attempts to the bouncer by result and failure reason")
            .labelNames("result", "reason").register(registry);
    private final Counter notifications = Counter.builder().name("tuns_alertbot_notifications_total")
            .help("Notifications by channel (irc, email) and result").labelNames("channel", "result")
            .register(registry);
    private final Gauge outboxSize = Gauge.builder().name("tuns_alertbot_outbox_size")
            .help("Mails waiting in the persistent outbox").register(registry);
    private final Gauge lastSuccess = Gauge.builder().name("tuns_alertbot_last_success_timestamp_seconds")
            .help("When the link to the bouncer last came up").register(registry);
    private final Gauge incidentOpen = Gauge.builder().name("tuns_alertbot_incident_open")
            .help("1 while a DOWN incident is open").register(registry);

    public BotMetrics(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void onAttempt() {
        // counted by outcome in onUp/onFailure
    }

    @Override
    public void onUp() {
        up.set(1);
        attempts.labelValues("success", "").inc();
        lastSuccess.set(clock.millis() / 1000.0);
    }

    @Override
    public void onFailure(Failure failure) {
        up.set(0);
        attempts.labelValues("failure", failure.reason().label()).inc();
    }

    @Override
    public void count(String channel, String result) {
        notifications.labelValues(channel, result).inc();
    }

    @Override
    public void onSend(OutboxMail mail, String result) {
        notifications.labelValues("email", result.equals("ok") ? "sent" : result).inc();
    }

    @Override
    public void onSize(int size) {
        outboxSize.set(size);
    }

    public void incidentOpen(boolean open) {
        incidentOpen.set(open ? 1 : 0);
    }

    public void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    public String contentType() {
        return PrometheusTextFormatWriter.create().getContentType();
    }
}
