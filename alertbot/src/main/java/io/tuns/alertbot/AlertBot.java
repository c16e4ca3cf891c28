package io.tuns.alertbot;

import io.tuns.alertbot.alerts.AlertFormatter;
import io.tuns.alertbot.alerts.AlertRelay;
import io.tuns.alertbot.alerts.Heartbeat;
import io.tuns.alertbot.alerts.MentionForwarder;
import io.tuns.alertbot.alerts.OutgoingPing;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.http.BotMetrics;
import io.tuns.alertbot.http.HttpEndpoints;
import io.tuns.alertbot.irc.Backoff;
import io.tuns.alertbot.irc.Failure;
import io.tuns.alertbot.irc.IrcLink;
import io.tuns.alertbot.irc.LinkListener;
import io.tuns.alertbot.mail.MailBudget;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.Mailer;
import io.tuns.alertbot.mail.Outbox;
import io.tuns.alertbot.mail.RateLimiter;
import io.tuns.alertbot.peer.PeerProbe;
import io.tuns.alertbot.peer.PeerWatch;
import io.tuns.alertbot.state.StateStore;
import io.tuns.alertbot.watch.Watchdog;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires the parts for one configuration; {@link #start} and {@link #close}. Several can run in one JVM. */
public final class AlertBot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertBot.class);
    private final AlertbotConfig cfg;
    private final ScheduledExecutorService scheduler;
    private final Outbox outbox;
    private final Watchdog watchdog;
    private final Heartbeat heartbeat;
    private final MentionForwarder mentions;
    private final IrcLink link;
    private final HttpEndpoints http;
    private final BotMetrics metrics;
    private final AlertRelay relay;
    private final Optional<OutgoingPing> ping;
    private final Map<String, PeerWatch> peers = new LinkedHashMap<>();
    private final List<PeerProbe> probes = new ArrayList<>();

    public AlertBot(AlertbotConfig cfg, Clock clock) throws IOException {
        this.cfg = cfg;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "alertbot-scheduler");
            t.setDaemon(true);
            return t;
        });
        metrics = new BotMetrics(clock);
        StateStore store = new StateStore(cfg.stateDir());
        MailText text = new MailText(cfg.zone(), cfg.mail().from());
        Mailer mailer = new Mailer(cfg.mail());
        outbox = new Outbox(cfg.stateDir().resolve("outbox"),
                new MailBudget(cfg.mail().incidentOutboxMax(), new RateLimiter(cfg.mail().incidentMaxPerHour(), clock)),
                new MailBudget(cfg.mail().outboxMax(), new RateLimiter(cfg.mail().maxPerHour(), clock)),
                mailer::send, clock, cfg.mail().retryInitial(), cfg.mail().retryMax(), metrics);
        AlertbotConfig.Irc irc = cfg.irc();
        watchdog = new Watchdog(cfg.watch(), clock, "irc://" + irc.target(),
                "channel " + irc.channel() + ", login " + irc.loginName(), cfg.mail().to(), outbox, text, store,
                "tuns alertbot on " + hostname());
        heartbeat = new Heartbeat(cfg.heartbeat(), clock, outbox, text, cfg.mail().to(), store);
        mentions = new MentionForwarder(cfg.mentions(), clock, outbox, text);
        link = new IrcLink(irc, cfg.watch().stableAfter(),
                new Backoff(cfg.watch().backoffInitial(), cfg.watch().backoffMax(), new SecureRandom()), clock,
                scheduler, LinkListener.both(watchdog, LinkListener.both(metrics, new LinkListener() {
                    @Override
                    public void onAttempt() {}

                    @Override
                    public void onUp() {
                        // Not on the link's thread, which holds its lock while reporting.
                        scheduler.execute(relay::ircIsBack);
                    }

                    @Override
                    public void onFailure(Failure failure) {}
                })), mentions::onMessage);
        relay = new AlertRelay(link::deliver, outbox,
                new AlertFormatter(irc.maxLinesPerNotification(), irc.maxLineLength(), irc.alertTemplate()), text, cfg.mail().to(), clock,
                heartbeat, metrics);
        ping = cfg.outgoingPing().map(p -> new OutgoingPing(p, clock));
        for (AlertbotConfig.Peer p : cfg.peers().bots()) {
            PeerWatch w = new PeerWatch(p.name(), p.url().toString(), cfg.peers().grace(), clock, outbox, text,
                    cfg.mail().to());
            peers.put(p.name(), w);
            probes.add(new PeerProbe(p.url(), cfg.peers().timeout(), w));
        }
        http = new HttpEndpoints(cfg.http(), relay, metrics, this::status, () -> true);
    }

    public void start() throws IOException {
        log.info("event=alertbot_started target={} channel={} incident={} outbox_pending={}", cfg.irc().target(),
                cfg.irc().channel(), watchdog.status(), outbox.size());
        log.info("event=heartbeat_check enabled={} alertname={} expect_every_s={}", cfg.heartbeat().enabled(),
                cfg.heartbeat().alertname(), cfg.heartbeat().expectEvery().toSeconds());
        outbox.start();
        http.start();
        link.start();
        scheduler.scheduleWithFixedDelay(() -> {
            watchdog.tick();
            heartbeat.tick();
            peers.values().forEach(PeerWatch::tick);
            metrics.incidentOpen(watchdog.status() == Watchdog.Status.DOWN);
        }, 1, 1, TimeUnit.SECONDS);
        ping.ifPresent(p -> {
            long every = cfg.outgoingPing().orElseThrow().every().toMillis();
            scheduler.scheduleWithFixedDelay(p::ping, 0, every, TimeUnit.MILLISECONDS);
        });
        for (PeerProbe probe : probes) {
            scheduler.scheduleWithFixedDelay(probe::probe, 0, cfg.peers().every().toMillis(), TimeUnit.MILLISECONDS);
        }
        long batch = cfg.mentions().batchInterval().toMillis();
        scheduler.scheduleWithFixedDelay(mentions::flush, batch, batch, TimeUnit.MILLISECONDS);
    }

    public int httpPort() {
        return http.port();
    }

    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ircUp", link.isUp());
        m.put("watchdog", watchdog.describe());
        m.put("outboxSize", outbox.size());
        m.put("unconfirmedIrcNotifications", link.unconfirmedCount());
        var hb = heartbeat.state();
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("enabled", cfg.heartbeat().enabled());
        h.put("lastSeen", hb.lastSeen() == null ? null : hb.lastSeen().toString());
        h.put("silent", hb.silent());
        h.put("everSeen", hb.everSeen());
        m.put("heartbeat", h);
        ping.ifPresent(p -> m.put("outgoingHeartbeat", p.describe()));
        if (!peers.isEmpty()) {
            Map<String, Object> ps = new LinkedHashMap<>();
            peers.forEach((name, w) -> ps.put(name, w.describe()));
            m.put("peers", ps);
        }
        return m;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    @Override
    public void close() {
        link.close();
        http.close();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        outbox.close();
    }
}
