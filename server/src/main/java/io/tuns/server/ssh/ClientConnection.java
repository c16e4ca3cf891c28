package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per ssh connection state, its lifecycle: its tunnels, the options from its command line, the replies it is
 * owed, the messages for its session, its timers; its forwarded channels are {@link ForwardChannels}. Forward
 * decisions wait (≤ 1 s) for the exec that may carry options, then run in arrival order on the tunnel executor;
 * nothing here blocks a MINA thread.
 */
public final class ClientConnection implements TunnelOwner {

    static final AttributeKey<ClientConnection> KEY = new AttributeKey<>();
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final ServerSession session;
    private final SshContext ctx;
    private final ServerConfig cfg;
    private final ReplyQueue replies;
    private final SessionMessages messages;
    private final Forwards forwards;
    private final ConnectionLimits limits;
    private final Instant startedAt = Instant.now();
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    /** What to release with each tunnel (a share of a TCP or SNI listener); one entry per tunnel held. */
    private final Map<Tunnel, Runnable> releases = new ConcurrentHashMap<>();
    /** Its forwarded channels: opening them, what they hold, their traffic (an entry per tunnel held, as releases). */
    private final ForwardChannels channels;
    private final AtomicBoolean sessionSeen = new AtomicBoolean();
    private final AtomicInteger forwardRequests = new AtomicInteger();
    /** Forward requests not decided yet (waiting for the options gate or the tunnel executor). */
    private final AtomicInteger undecidedForwards = new AtomicInteger();

    private volatile boolean closed;
    private volatile String keyFingerprint;
    private volatile String publicKey;
    private volatile SessionOptions options = SessionOptions.parse(null);

    // Forwards wait for the exec/shell that may carry options.
    private final OptionsGate gate;
    private ScheduledFuture<?> pingTask;
    private ScheduledFuture<?> deadlineTask;

    ClientConnection(ServerSession session, SshContext ctx, Forwards forwards) {
        this.session = session;
        this.ctx = ctx;
        this.cfg = ctx.config();
        this.forwards = forwards;
        this.limits = new ConnectionLimits(forwards.limits(), ctx.forwardedChannels());
        this.replies = new ReplyQueue(session);
        this.messages = new SessionMessages(cfg.sessionMessageQueue());
        this.channels = new ForwardChannels(session, ctx, limits, messages::send);
        // queued decisions are bounded: twice the forwards a connection may hold, then they are decided at once
        this.gate = new OptionsGate(ctx.tunnelExecutor(), ctx.scheduler(), cfg.forwardOptionsWait(), NO_SESSION_GRACE,
                this::sessionChannelOpen, 2 * cfg.maxForwardsPerConnection());
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
        startPings();
        scheduleUnboundCleanup();
        ctx.events().connectionOpened(this);
    }

    /** sish's --cleanup-unbound: a connection that asked for no forward in time (and is no -L/-W user) goes. */
    private void scheduleUnboundCleanup() {
        if (!cfg.cleanupUnbound()) {
            return;
        }
        ctx.scheduler().schedule(() -> {
            // refused forwards bind nothing: a connection whose every forward failed is unbound too
            if (!closed && undecidedForwards.get() == 0 && tunnels.isEmpty() && !options.flag("local-forward")) {
                messages.send(SessionText.noForwards());
                if (forwardRequests.get() > 0) {
                    messages.send(SessionText.noForwardGranted()); // tuns' own, after sish's line
                }
                ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
            }
        }, cfg.cleanupUnboundTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ global requests

    ReplyQueue replies() {
        return replies;
    }

    void requestForward(String bindAddress, int port, ReplyQueue.Slot slot) {
        forwardRequests.incrementAndGet();
        undecidedForwards.incrementAndGet();
        afterGate(() -> {
            try {
                allocate(bindAddress, port, slot);
            } finally {
                undecidedForwards.decrementAndGet();
                autoCloseIfNothingBound();
            }
        });
    }

    /** auto-close=true: once every forward is decided and none is open (all refused or cancelled), the connection goes. */
    private void autoCloseIfNothingBound() {
        if (options.flag("auto-close") && !closed && undecidedForwards.get() == 0 && tunnels.isEmpty()) {
            messages.send(SessionText.noForwards()); // sish's line, even though forwards were requested
            messages.send(SessionText.noForwardsOpen());
            ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
        }
    }

    void cancelForward(String bindAddress, int port, ReplyQueue.Slot slot) {
        afterGate(() -> {
            Tunnel found = null;
            for (Tunnel t : tunnels) {
                if (t.bindAddress().equals(bindAddress) && t.bindPort() == port) {
                    found = t;
                    break;
                }
            }
            if (found != null) {
                removeTunnel(found);
            }
            replies.complete(slot, found != null, -1);
            autoCloseIfNothingBound();
        });
    }

    private void afterGate(Runnable decision) {
        gate.submit(decision);
    }

    /**
     * OpenSSH sends its session channel open right behind its forward requests, without waiting for their replies.
     * No session channel this long after a forward means {@code ssh -N}: no options will come. Only for OpenSSH
     * ({@link #optionsMayStillCome}).
     */
    static final Duration NO_SESSION_GRACE = Duration.ofMillis(200);

    /** False only when no options can come any more; MINA's connection service not telling means they may. */
    private boolean sessionChannelOpen() {
        boolean open = !(session.getService(ConnectionService.class) instanceof AbstractConnectionService acs)
                || acs.getChannels().stream().anyMatch(c -> c instanceof ChannelSession);
        return optionsMayStillCome(clientVersion(), open);
    }

    /**
     * The 200 ms "no session channel, so ssh -N" shortcut holds only for OpenSSH, which sends its session channel
     * open right behind its forward requests. Any other client (a library, Go's x/crypto/ssh) may open its session
     * later and still send options, so it gets sish's full wait.
     */
    static boolean optionsMayStillCome(String clientVersion, boolean sessionChannelOpen) {
        return sessionChannelOpen || !clientVersion.startsWith("SSH-2.0-OpenSSH_");
    }

    /** The client said it opens no session channel (ssh -N): no options will come, forwards go ahead now. */
    void noSessionComing() {
        gate.open();
    }

    private void allocate(String bindAddress, int port, ReplyQueue.Slot slot) {
        if (closed) {
            replies.complete(slot, false, -1);
            return;
        }
        String full = limits.forwardRefusal(tunnels.size());
        if (full != null) {
            refuse(slot, Allocation.refused("http", full));
            return;
        }
        String storeDown = ctx.registry().claimsRefusal(); // a cluster node without its store: no name is safe
        if (storeDown != null) {
            refuse(slot, Allocation.refused("http", storeDown));
            return;
        }
        ForwardRequest r = new ForwardRequest(bindAddress, port, this, user(), keyFingerprint, options,
                forwards.acknowledgements().proxyProtocolVersion(options));
        Allocation a = switch (ForwardKind.of(bindAddress, port, options, forwards.kinds())) {
            case HTTP -> forwards.http().allocate(r, false, messages::send);
            case HTTPS -> forwards.http().allocate(r, true, messages::send);
            case TCP -> forwards.tcp().allocate(r, messages::send);
            case ALIAS -> forwards.alias().allocate(r, messages::send);
            case SNI -> forwards.sni().allocate(r, messages::send);
        };
        if (!a.isGranted()) {
            refuse(slot, a);
        } else if (adopt(a, slot)) {
            messages.send(SessionText.block(a.banner()));
        }
    }

    /** Registers a granted tunnel with this connection, unless the connection dropped meanwhile. */
    private boolean adopt(Allocation a, ReplyQueue.Slot slot) {
        Tunnel tunnel = a.tunnel();
        releases.put(tunnel, a.release());
        channels.track(tunnel);
        tunnels.add(tunnel);
        if (closed) { // the connection dropped while we decided: leak nothing (sish PR #374)
            removeTunnel(tunnel);
            replies.complete(slot, false, -1);
            return false;
        }
        replies.complete(slot, true, a.replyPort());
        ctx.events().forwardRequest(a.kind(), "ok");
        ctx.events().tunnelOpened(this, tunnel);
        log.info("event=tunnel_opened type={} host={} client={} user={} key={}", tunnel.type().label(), tunnel.host(),
                remoteAddress(), user(), keyFingerprint == null ? "none" : keyFingerprint);
        return true;
    }

    private void refuse(ReplyQueue.Slot slot, Allocation a) {
        String why = a.refusal();
        messages.send(why);
        if (a.detail() != null) {
            messages.send(a.detail());
        }
        ctx.events().forwardRequest(a.kind(), why.contains("unavailable") ? "conflict" : "denied");
        log.info("event=forward_refused client={} user={} reason=\"{}\"", remoteAddress(), user(),
                SessionText.plain(a.detail() == null ? why : why + " " + a.detail()));
        replies.complete(slot, false, -1);
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
        gate.open();
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
        afterGate(() -> {
            if (tunnels.contains(tunnel)) {
                removeTunnel(tunnel);
                messages.send(SessionText.tunnelClosed(tunnel.host(), why));
            }
        });
    }

    private void removeTunnel(Tunnel t) {
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
        gate.close(); // undecided forwards are dropped: their replies go nowhere, the connection is gone
        channels.close();
        for (Tunnel t : tunnels) {
            removeTunnel(t);
        }
        if (pingTask != null) {
            pingTask.cancel(false);
        }
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

    /**
     * sish's ping-client: a want-reply request; any reply (OpenSSH sends FAILURE) proves the client alive, and so
     * does anything else it sends ({@link ClientLiveness} decides). An empty SSH_MSG_IGNORE queued right behind
     * the ping tells when the ping has left our send queue: its write completes only after the ping's.
     */
    private void startPings() {
        if (!cfg.pingClient()) {
            return;
        }
        long interval = cfg.pingClientInterval().toMillis();
        ClientLiveness liveness = new ClientLiveness(interval, cfg.pingClientTimeout().toMillis());
        pingTask = ctx.scheduler().scheduleAtFixedRate(() -> {
            if (closed) {
                return;
            }
            long now = System.currentTimeMillis();
            switch (liveness.tick(now, lastHeardMillis())) {
                case WAIT -> { }
                case DISCONNECT -> {
                    log.info("event=client_unresponsive client={} action=disconnect silent_ms={}", remoteAddress(),
                            now - lastHeardMillis());
                    session.close(true);
                }
                case PING -> ping(liveness);
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void ping(ClientLiveness liveness) {
        try {
            liveness.pingSent();
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 32);
            b.putString("keepalive@sish");
            b.putBoolean(true);
            session.request(b, "keepalive@sish", (cmd, buf) -> liveness.replied());
            Buffer marker = session.createBuffer(SshConstants.SSH_MSG_IGNORE, 8);
            marker.putString("");
            session.writePacket(marker).addListener(f -> {
                if (f.isWritten()) {
                    liveness.pingWritten(System.currentTimeMillis());
                }
            });
        } catch (IOException | RuntimeException e) {
            session.close(true);
        }
    }

    /**
     * When the client last showed it is alive: sent anything (MINA restarts its idle clock on every message it
     * receives), or took our forwarded bytes off the socket (issue #18: a client busy reading uploads answered
     * our ping 11 s late, behind them, and was cut off with all its transfers).
     */
    private long lastHeardMillis() {
        Instant start = session.getIdleTimeoutStart();
        long heard = start == null ? startedAt.toEpochMilli() : start.toEpochMilli();
        return Math.max(heard, channels.traffic().lastTakenMillis());
    }


    private static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
