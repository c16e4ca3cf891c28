package io.tuns.alertbot.irc;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.AlertbotConfig.AuthMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.Client.Builder.Server.SecurityType;
import org.kitteh.irc.client.library.event.connection.ClientConnectionEndedEvent;
import org.kitteh.irc.client.library.event.connection.ClientConnectionEstablishedEvent;
import org.kitteh.irc.client.library.feature.auth.SaslPlain;
import org.kitteh.irc.client.library.feature.sending.SingleDelaySender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's own client connection to the bouncer. One KICL client per attempt, KICL's fixed-delay reconnect turned
 * off: this class reconnects with {@link Backoff}, sends its own PINGs, enforces a short read deadline and a
 * registration timeout, and classifies every failure. Lines handed to {@link #deliver} count as delivered only
 * when the bouncer answers a PING queued behind them; if the link fails first they go to the fallback.
 */
public final class IrcLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IrcLink.class);
    /** ZNC's *status and soju's BouncerServ announce a lost upstream with these words. */
    private static final Pattern UPSTREAM_LOST = Pattern.compile(
            "(?i)(disconnected from|connection refused|unable to connect|cannot connect|connection timed out"
                    + "|not connected to irc|you are currently disconnected|error from server)");
    private static final String ACK_PREFIX = "tuns-ack-";
    private static final Set<String> PLAYBACK_BATCH_TYPES = Set.of("znc.in/playback", "chathistory");
    private static final int MAX_OPEN_BATCHES = 256;
    /** A server-time this much before our registration is a buffered line, not clock skew. */
    private static final Duration PLAYBACK_CLOCK_SLACK = Duration.ofSeconds(2);

    private final AlertbotConfig.Irc cfg;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final LinkListener listener;
    private final Consumer<ChatMessage> chat;
    private final Backoff backoff;
    private final Duration stableAfter;
    private final Map<Long, Runnable> unconfirmed = new LinkedHashMap<>();
    private long ackSeq;
    private long attemptSeq;
    private Attempt current;
    private Instant upSince;
    private boolean closed;

    public IrcLink(AlertbotConfig.Irc cfg, Duration stableAfter, Backoff backoff, Clock clock,
                   ScheduledExecutorService scheduler, LinkListener listener, Consumer<ChatMessage> chat) {
        this.cfg = cfg;
        this.stableAfter = stableAfter;
        this.backoff = backoff;
        this.clock = clock;
        this.scheduler = scheduler;
        this.listener = listener;
        this.chat = chat;
    }

    public void start() {
        scheduler.execute(this::connect);
    }

    public synchronized boolean isUp() {
        return current != null && current.up;
    }

    /**
     * Queues lines for the channel. Returns false (nothing queued) when the link is down or too many deliveries are
     * still unconfirmed; the caller then uses e-mail. {@code onUnconfirmed} runs if the link fails before the
     * bouncer confirmed these lines.
     */
    public synchronized boolean deliver(List<String> lines, Runnable onUnconfirmed) {
        Attempt a = current;
        if (a == null || !a.up || unconfirmed.size() >= cfg.maxPendingNotifications()) {
            return false;
        }
        for (String line : lines) {
            if (cfg.useNotice()) {
                a.client.sendNotice(cfg.channel(), line);
            } else {
                a.client.sendMessage(cfg.channel(), line);
            }
        }
        long seq = ++ackSeq;
        unconfirmed.put(seq, onUnconfirmed);
        // Same queue as the lines, so the PONG proves the bouncer has read them.
        a.client.sendRawLine("PING :" + ACK_PREFIX + seq);
        return true;
    }

    /** Number of deliveries awaiting the bouncer's confirmation (bounded by max-pending-notifications). */
    public synchronized int unconfirmedCount() {
        return unconfirmed.size();
    }

    private synchronized void connect() {
        if (closed) {
            return;
        }
        Attempt a = new Attempt(++attemptSeq);
        current = a;
        listener.onAttempt();
        try {
            a.start();
        } catch (RuntimeException e) {
            a.fail(FailureClassifier.classify(e, null, null, null, false));
        }
    }

    private synchronized void ended(Attempt a, Failure failure) {
        if (a != current || closed) {
            return;
        }
        // Once registered, every line from the bouncer proved the link good; the incident starts after the last.
        Failure f = failure.lastGood() == null && a.registeredAt != null ? failure.withLastGood(a.lastInput) : failure;
        boolean wasUp = upSince != null;
        if (wasUp && Duration.between(upSince, clock.instant()).compareTo(stableAfter) >= 0) {
            backoff.reset();
        }
        upSince = null;
        List<Runnable> fallbacks = new ArrayList<>(unconfirmed.values());
        unconfirmed.clear();
        Duration delay = f.permanent() ? backoff.max() : backoff.next();
        log.warn("event=irc_link_failed target={} reason={} detail=\"{}\" retry_in_ms={}", cfg.target(),
                f.reason().label(), f.detail(), delay.toMillis());
        listener.onFailure(f);
        fallbacks.forEach(IrcLink::runQuietly);
        if (!closed) {
            scheduler.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("event=fallback_failed error={}", e.toString());
        }
    }

    private synchronized void markUp(Attempt a) {
        if (a != current || a.up || closed) {
            return;
        }
        a.up = true;
        if (upSince == null) {
            upSince = clock.instant();
        }
        log.info("event=irc_link_up target={} channel={}", cfg.target(), cfg.channel());
        listener.onUp();
    }

    private synchronized void upstreamLost(Attempt a, String text) {
        if (a != current || closed) {
            return;
        }
        boolean report = a.up || !a.upstreamReported;
        a.up = false;
        a.upstreamReported = true;
        if (report) {
            log.warn("event=irc_upstream_lost target={} detail=\"{}\"", cfg.target(), text);
            listener.onFailure(new Failure(FailureReason.UPSTREAM_LOST, text, false));
            List<Runnable> fallbacks = new ArrayList<>(unconfirmed.values());
            unconfirmed.clear();
            fallbacks.forEach(IrcLink::runQuietly);
        }
    }

    private synchronized void acked(long seq) {
        for (Iterator<Long> it = unconfirmed.keySet().iterator(); it.hasNext(); ) {
            if (it.next() <= seq) {
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        Attempt a;
        synchronized (this) {
            closed = true;
            a = current;
        }
        if (a != null) {
            a.shutdown("tuns alertbot stopping");
        }
    }

    /** One connection attempt and, if it succeeds, the session that follows. */
    final class Attempt {
        final long id;
        final Instant startedAt = clock.instant();
        Client client;
        VerifyingTrustManager trust;
        ScheduledFuture<?> liveness;
        volatile Instant lastInput = startedAt;
        volatile Instant lastPing = startedAt;
        volatile Instant registeredAt;
        volatile boolean tcpUp;
        volatile boolean up;
        volatile boolean upstreamReported;
        volatile boolean ended;
        volatile String nick = cfg.nick();
        volatile String serverError;
        volatile String authRejected;
        volatile boolean inPlayback;
        /** Open IRCv3 batches of type znc.in/playback (or chathistory); bounded, a bouncer opens one per buffer. */
        final Set<String> playbackBatches = ConcurrentHashMap.newKeySet();

        Attempt(long id) {
            this.id = id;
        }

        void start() {
            Client.Builder b = Client.builder().name("alertbot-" + id).nick(cfg.nick()).user(cfg.user())
                    .realName("tuns alertbot");
            Client.Builder.Server server = b.server().host(cfg.host())
                    .port(cfg.port(), cfg.tls() ? SecurityType.SECURE : SecurityType.INSECURE);
            if (cfg.tls()) {
                try {
                    trust = new VerifyingTrustManager(VerifyingTrustManager.pkix(cfg.trustCaFile()), cfg.host());
                } catch (Exception e) {
                    throw new IllegalStateException("cannot load trust store: " + e.getMessage(), e);
                }
                server.secureTrustManagerFactory(trust.asFactory());
            }
            if (cfg.auth() == AuthMode.PASS) {
                server.password(cfg.loginName() + ":" + cfg.password().orElseThrow().reveal());
            }
            b.listeners().input(this::onInput).output(line -> { }).exception(e ->
                    log.debug("event=irc_client_exception attempt={} error={}", id, e.getClass().getSimpleName()));
            b.management().messageSendingQueueSupplier(
                    SingleDelaySender.getSupplier((int) cfg.messageDelay().toMillis()));
            client = b.build();
            client.getEventManager().registerEventListener(this);
            if (cfg.auth() == AuthMode.SASL) {
                client.getAuthManager().addProtocol(
                        new SaslPlain(client, cfg.loginName(), cfg.password().orElseThrow().reveal()));
            }
            client.addChannel(cfg.channel());
            liveness = scheduler.scheduleWithFixedDelay(this::checkLiveness, 500, 500, TimeUnit.MILLISECONDS);
            log.info("event=irc_connecting attempt={} target={} tls={} auth={}", id, cfg.target(), cfg.tls(),
                    cfg.auth().name().toLowerCase(Locale.ROOT));
            client.connect();
        }

        @Handler
        public void onEstablished(ClientConnectionEstablishedEvent e) {
            tcpUp = true;
        }

        @Handler
        public void onEnded(ClientConnectionEndedEvent e) {
            e.setAttemptReconnect(false);
            Throwable cause = e.getCause().orElse(null);
            // A server's ERROR line and its close arrive together, but the library may deliver the close event
            // before the input listener has seen the ERROR line: decide a moment later, so the reason is kept.
            scheduler.schedule(() -> fail(FailureClassifier.classify(cause, trust == null ? null : trust.rejection(),
                    serverError, authRejected, registeredAt != null)), ERROR_SETTLE_MILLIS, TimeUnit.MILLISECONDS);
        }

        /** How long after a close the last input lines are given to arrive (see onEnded). */
        static final long ERROR_SETTLE_MILLIS = 300;

        void onInput(String raw) {
            lastInput = clock.instant();
            IrcLine line = IrcLine.parse(raw);
            switch (line.command()) {
                case "001" -> {
                    registeredAt = clock.instant();
                    nick = line.param(0);
                    if (line.nick().equalsIgnoreCase("irc.znc.in") && line.last().contains("Welcome to ZNC")) {
                        upstreamLost(this, "ZNC is not connected to its IRC network");
                    }
                }
                case "376", "422" -> {
                    // End of MOTD: registration is over. Join ourselves rather than rely on the library's timing;
                    // a bouncer that already has us in the channel ignores it.
                    if (!up) {
                        client.sendRawLine("JOIN " + cfg.channel());
                    }
                }
                case "464", "902", "904", "905", "906", "908" -> authRejected = line.command() + " " + line.last();
                case "471", "473", "474", "475", "403", "405" -> {
                    if (line.param(1).equalsIgnoreCase(cfg.channel())) {
                        fail(new Failure(FailureReason.JOIN_FAILED, line.command() + " " + line.last(), false));
                    }
                }
                case "ERROR" -> serverError = line.last();
                case "JOIN" -> {
                    if (line.nick().equalsIgnoreCase(nick) && line.param(0).equalsIgnoreCase(cfg.channel())) {
                        markUp(this);
                    }
                }
                case "NICK" -> {
                    if (line.nick().equalsIgnoreCase(nick)) {
                        nick = line.param(0);
                    }
                }
                case "PONG" -> {
                    String token = line.last();
                    if (token.startsWith(ACK_PREFIX)) {
                        try {
                            acked(Long.parseLong(token.substring(ACK_PREFIX.length())));
                        } catch (NumberFormatException ignored) {
                            // not ours
                        }
                    }
                }
                case "BATCH" -> onBatch(line);
                case "PRIVMSG", "NOTICE" -> onMessage(line);
                default -> { }
            }
        }

        private void onBatch(IrcLine line) {
            String ref = line.param(0);
            if (ref.startsWith("+") && PLAYBACK_BATCH_TYPES.contains(line.param(1).toLowerCase(Locale.ROOT))
                    && playbackBatches.size() < MAX_OPEN_BATCHES) {
                playbackBatches.add(ref.substring(1));
            } else if (ref.startsWith("-")) {
                playbackBatches.remove(ref.substring(1));
            }
        }

        /**
         * Buffered lines a bouncer replays on connect: inside a playback batch, between ZNC's *** markers, or
         * stamped (server-time) before this session registered.
         */
        private boolean playedBack(IrcLine line, Instant said) {
            Instant reg = registeredAt;
            return inPlayback || playbackBatches.contains(line.tag("batch"))
                    || (reg != null && said.isBefore(reg.minus(PLAYBACK_CLOCK_SLACK)));
        }

        private void onMessage(IrcLine line) {
            String from = line.nick();
            String text = line.last();
            if (from.equals("*status") || from.equalsIgnoreCase("BouncerServ")) {
                if (UPSTREAM_LOST.matcher(text).find()) {
                    upstreamLost(this, from + ": " + text);
                }
                return;
            }
            if (from.equals("***")) {
                // ZNC's buffer playback markers: replayed lines are old news, not new mentions.
                if (text.startsWith("Buffer Playback")) {
                    inPlayback = true;
                } else if (text.startsWith("Playback Complete")) {
                    inPlayback = false;
                }
                return;
            }
            if (!line.command().equals("PRIVMSG") || from.equalsIgnoreCase(nick)) {
                return;
            }
            boolean direct = line.param(0).equalsIgnoreCase(nick);
            Instant said = ServerTime.parse(line.tag("time")).orElse(clock.instant());
            try {
                chat.accept(new ChatMessage(said, from, line.param(0), text, direct, playedBack(line, said)));
            } catch (RuntimeException e) {
                log.error("event=chat_handler_failed error={}", e.toString());
            }
        }

        void checkLiveness() {
            if (ended) {
                return;
            }
            Instant now = clock.instant();
            if (registeredAt == null) {
                if (Duration.between(startedAt, now).compareTo(cfg.registrationTimeout()) > 0) {
                    fail(tcpUp
                            ? new Failure(FailureReason.REGISTRATION_TIMEOUT, "no welcome within "
                                    + cfg.registrationTimeout().toSeconds() + "s", false)
                            : new Failure(FailureReason.TIMEOUT, "no connection within "
                                    + cfg.registrationTimeout().toSeconds() + "s", false));
                }
                return;
            }
            if (Duration.between(lastInput, now).compareTo(cfg.readDeadline()) > 0) {
                fail(new Failure(FailureReason.PING_TIMEOUT, "nothing received for "
                        + Duration.between(lastInput, now).toSeconds() + "s", false, lastInput));
                return;
            }
            if (!up && !upstreamReported
                    && Duration.between(registeredAt, now).compareTo(cfg.registrationTimeout()) > 0) {
                upstreamLost(this, "registered but " + cfg.channel() + " not joined within "
                        + cfg.registrationTimeout().toSeconds() + "s");
            }
            if (Duration.between(lastPing, now).compareTo(cfg.pingInterval()) >= 0) {
                lastPing = now;
                client.sendRawLineImmediately("PING :tuns-alertbot-" + now.getEpochSecond());
            }
        }

        void fail(Failure f) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                up = false;
            }
            if (liveness != null) {
                liveness.cancel(false);
            }
            shutdown(null);
            ended(this, f);
        }

        void shutdown(String quitMessage) {
            Client c = client;
            if (c == null) {
                return;
            }
            // KICL's shutdown waits for its own threads; never run it on a Netty event loop.
            Thread t = new Thread(() -> {
                try {
                    if (quitMessage == null) {
                        c.shutdown();
                    } else {
                        c.shutdown(quitMessage);
                    }
                } catch (RuntimeException e) {
                    log.debug("event=irc_shutdown_error error={}", e.toString());
                }
            }, "alertbot-irc-shutdown-" + id);
            t.setDaemon(true);
            t.start();
        }
    }
}
