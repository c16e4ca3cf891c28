package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per ssh connection state, its lifecycle: its tunnels, the options from its command line, the messages for its
 * session, its timers; its forward requests are decided and answered by {@link ForwardRequests} (after the exec
 * that may carry options, in arrival order on the tunnel executor), its forwarded channels are
 * {@link ForwardChannels}. Nothing here blocks a MINA thread.
 */
public final class ClientConnection implements TunnelOwner {

    static final AttributeKey<ClientConnection> KEY = new AttributeKey<>();
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final ServerSession session;
    private final SshContext ctx;
    private final ServerConfig cfg;
    private final SessionMessages messages;
    private final Forwards forwards;
    private final ConnectionLimits limits;
    private final Instant startedAt = Instant.now();
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    /** What to release with each tunnel (a share of a TCP or SNI listener); one entry per tunnel held. */
    private final Map<Tunnel, Runnable> releases = new ConcurrentHashMap<>();
    /** Its forwarded channels: opening them, what they hold, their traffic (an entry per tunnel held, as releases). */
    private final ForwardChannels channels;
    private final ForwardRequests forwardRequests;
    private final ClientPings pings;
    private final AtomicBoolean sessionSeen = new AtomicBoolean();

    private volatile boolean closed;
    private volatile String keyFingerprint;
    private volatile String publicKey;
    private volatile SessionOptions options = SessionOptions.parse(null);

    private ScheduledFuture<?> deadlineTask;

    ClientConnection(ServerSession session, SshContext ctx, Forwards forwards) {
        this.session = session;
        this.ctx = ctx;
        this.cfg = ctx.config();
        this.forwards = forwards;
        this.limits = new ConnectionLimits(forwards.limits(), ctx.forwardedChannels());
        this.messages = new SessionMessages(cfg.sessionMessageQueue());
        this.channels = new ForwardChannels(session, ctx, limits, messages::send);
        this.forwardRequests = new ForwardRequests(session, this, forwards, limits, ctx.registry(), ctx.events(),
                ctx.tunnelExecutor(), ctx.scheduler(), ForwardRequests.Settings.of(cfg));
        this.pings = new ClientPings(session, this);
    }

    static ClientConnection of(Session session) {
        return session == null ? null : session.getAttribute(KEY);
    }

    // ------------------------------------------------------------------ identity

    @Override
    public String remoteAddress() {
        // read each time: with --proxy-protocol-listener the PROXY header's source is set after this object exists
        return format(session.getClientAddress());
    }

    @Override
    public String user() {
        String u = session.getUsername();
        return u == null ? "" : u;
    }

    @Override
    public String keyFingerprint() {
        return keyFingerprint;
    }

    public String publicKey() {
        return publicKey;
    }

    public String clientVersion() {
        String v = session.getClientVersion();
        return v == null ? "" : v;
    }

    public String sessionId() {
        return Integer.toHexString(System.identityHashCode(session));
    }

    public Instant startedAt() {
        return startedAt;
    }

    SessionOptions options() {
        return options;
    }

    /** A per-session command's value ({@code ssh host key=value}), or null. */
    public String option(String key) {
        return options.get(key);
    }

    public List<Tunnel> tunnels() {
        return List.copyOf(tunnels);
    }

    /** Channels open now and bytes carried over the life of this connection, all its tunnels together. */
    public ChannelTraffic traffic() {
        return channels.traffic();
    }

    /** One held tunnel's channels and bytes; zeros for a tunnel this connection does not hold. */
    public ChannelTraffic traffic(Tunnel tunnel) {
        return channels.traffic(tunnel);
    }

    void authenticated(String fingerprint, String publicKeyLine) {
        this.keyFingerprint = fingerprint;
        this.publicKey = publicKeyLine;
        log.info("event=ssh_login client={} user={} key={} client_version=\"{}\" cipher={}", remoteAddress(), user(),
                fingerprint == null ? "none" : fingerprint, clientVersion(),
                session.getNegotiatedKexParameter(KexProposalOption.S2CENC));
        if (cfg.pingClient()) {
            pings.start(ctx.scheduler(), cfg.pingClientInterval(), cfg.pingClientTimeout());
        }
        forwardRequests.scheduleUnboundCleanup();
        ctx.events().connectionOpened(this);
    }

    // ------------------------------------------------------------------ forwards

    /** Its tcpip-forward and cancel-tcpip-forward requests: deciding and answering them. */
    ForwardRequests forwardRequests() {
        return forwardRequests;
    }

    /** Holds a granted tunnel (ForwardRequests decided it): what to release with it, and its channels. */
    void hold(Tunnel tunnel, Runnable release) {
        releases.put(tunnel, release);
        channels.track(tunnel);
        tunnels.add(tunnel);
    }

    // ------------------------------------------------------------------ the user's session channel

    void sessionStarted(String commandLine, IoOutputStream out) {
        if (!sessionSeen.compareAndSet(false, true)) {
            // A second session channel or exec: sish crashes here; we keep the first one's options.
            messages.attach(out, null);
            messages.send(SessionText.sessionAlreadyOpen());
            return;
        }
        messages.attach(out, SessionText.welcome(cfg.welcomeMessage()));
        SessionOptions parsed = SessionOptions.parse(commandLine);
        options = parsed;
        forwards.acknowledgements().lines(parsed, keyFingerprint, Instant.now()).forEach(messages::send);
        parsed.problems().forEach(messages::send);
        String deadline = parsed.get("deadline");
        if (deadline != null) {
            scheduleDeadline(SessionOptions.parseDeadline(deadline, Instant.now()));
        }
        forwardRequests.optionsKnown();
    }

    private void scheduleDeadline(Instant at) {
        long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
        deadlineTask = ctx.scheduler().schedule(() -> {
            messages.send(SessionText.deadlineReached());
            // let the message reach the user before the connection goes
            ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void message(String line) {
        messages.send(line);
    }

    // ------------------------------------------------------------------ channels

    @Override
    public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
        if (closed || session.isClosing()) {
            sink.onOpenFailed(ChannelSink.OpenFailure.CLOSED, "the tunnel's ssh connection is closing");
            sink.onClosed();
            return;
        }
        channels.open(tunnel, origin, sink);
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void tunnelTakenOver(Tunnel tunnel) {
        tunnels.remove(tunnel);
        channels.untrack(tunnel);
        ctx.events().tunnelClosed(this, tunnel);
        messages.send(SessionText.tunnelTakenOver(tunnel.host()));
        if (tunnels.isEmpty()) {
            ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void closeTunnel(Tunnel tunnel, String why) {
        forwardRequests.afterGate(() -> {
            if (tunnels.contains(tunnel)) {
                removeTunnel(tunnel);
                messages.send(SessionText.tunnelClosed(tunnel.host(), why));
            }
        });
    }

    /** Lets a held tunnel go (its route, its share of a listener, its channels); also ForwardRequests' cancel. */
    void removeTunnel(Tunnel t) {
        if (tunnels.remove(t)) {
            ctx.registry().remove(t);
            Runnable release = releases.remove(t);
            channels.untrack(t);
            if (release != null) {
                release.run();
            }
            ctx.events().tunnelClosed(this, t);
            log.info("event=tunnel_closed type={} host={} client={}", t.type().label(), t.host(), remoteAddress());
        }
    }

    /** Drops every route at once; called when the ssh connection ends for any reason. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        forwardRequests.close(); // undecided forwards are dropped: their replies go nowhere, the connection is gone
        channels.close();
        for (Tunnel t : tunnels) {
            removeTunnel(t);
        }
        pings.stop();
        if (deadlineTask != null) {
            deadlineTask.cancel(false);
        }
        if (keyFingerprint != null || session.isAuthenticated()) {
            ctx.events().connectionClosed(this);
            log.info("event=ssh_disconnect client={} user={} key={} seconds={}", remoteAddress(), user(),
                    keyFingerprint == null ? "none" : keyFingerprint, Duration.between(startedAt, Instant.now()).toSeconds());
        }
    }

    public boolean isAuthenticatedConnection() {
        return session.isAuthenticated();
    }

    public boolean isClosed() {
        return closed;
    }

    public void disconnect() {
        session.close(false);
    }

    private static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
