package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.helpers.AbstractConnectionService;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's {@code tcpip-forward} and {@code cancel-tcpip-forward}: decides each (after the
 * {@link OptionsGate}, in arrival order on the tunnel executor), answers it through the {@link ReplyQueue}, and
 * closes a connection left with nothing bound (auto-close, --cleanup-unbound). The tunnels granted are held by
 * the {@link ClientConnection}, which owns this.
 */
final class ForwardRequests {

    /** The flags these decisions read. */
    record Settings(Duration optionsWait, boolean cleanupUnbound, Duration cleanupUnboundTimeout) {

        static Settings of(ServerConfig c) {
            return new Settings(c.forwardOptionsWait(), c.cleanupUnbound(), c.cleanupUnboundTimeout());
        }
    }

    /**
     * OpenSSH sends its session channel open right behind its forward requests, without waiting for their replies.
     * No session channel this long after a forward means {@code ssh -N}: no options will come. Only for OpenSSH
     * ({@link #optionsMayStillCome}).
     */
    static final Duration NO_SESSION_GRACE = Duration.ofMillis(200);

    // the connection's logger: operators' log filters match its name (%logger{0} in every line)
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    private final ServerSession session;
    private final ClientConnection conn;
    private final Forwards forwards;
    private final ConnectionLimits limits;
    private final TunnelRegistry registry;
    private final SshEvents events;
    private final ScheduledExecutorService timers;
    private final Settings settings;
    private final ReplyQueue replies;
    private final AtomicInteger forwardRequests = new AtomicInteger();
    /** Forward requests not decided yet (waiting for the options gate or the tunnel executor). */
    private final AtomicInteger undecidedForwards = new AtomicInteger();
    // Forwards wait for the exec/shell that may carry options.
    private final OptionsGate gate;

    ForwardRequests(ServerSession session, ClientConnection conn, Forwards forwards, ConnectionLimits limits,
                    TunnelRegistry registry, SshEvents events, Executor decisions, ScheduledExecutorService timers,
                    Settings settings) {
        this.session = session;
        this.conn = conn;
        this.forwards = forwards;
        this.limits = limits;
        this.registry = registry;
        this.events = events;
        this.timers = timers;
        this.settings = settings;
        this.replies = new ReplyQueue(session);
        // queued decisions are bounded: twice the forwards a connection may hold, then they are decided at once
        this.gate = new OptionsGate(decisions, timers, settings.optionsWait(), NO_SESSION_GRACE,
                this::sessionChannelOpen, 2 * forwards.limits().maxForwardsPerConnection());
    }

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
        if (conn.options().flag("auto-close") && !conn.isClosed() && undecidedForwards.get() == 0
                && conn.tunnels().isEmpty()) {
            conn.message(SessionText.noForwards()); // sish's line, even though forwards were requested
            conn.message(SessionText.noForwardsOpen());
            closeSoon();
        }
    }

    /** sish's --cleanup-unbound: a connection that asked for no forward in time (and is no -L/-W user) goes. */
    void scheduleUnboundCleanup() {
        if (!settings.cleanupUnbound()) {
            return;
        }
        timers.schedule(() -> {
            // refused forwards bind nothing: a connection whose every forward failed is unbound too
            if (!conn.isClosed() && undecidedForwards.get() == 0 && conn.tunnels().isEmpty()
                    && !conn.options().flag("local-forward")) {
                conn.message(SessionText.noForwards());
                if (forwardRequests.get() > 0) {
                    conn.message(SessionText.noForwardGranted()); // tuns' own, after sish's line
                }
                closeSoon();
            }
        }, settings.cleanupUnboundTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Let the last lines reach the user before the connection goes. */
    private void closeSoon() {
        timers.schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
    }

    void cancelForward(String bindAddress, int port, ReplyQueue.Slot slot) {
        afterGate(() -> {
            Tunnel found = null;
            for (Tunnel t : conn.tunnels()) {
                if (t.bindAddress().equals(bindAddress) && t.bindPort() == port) {
                    found = t;
                    break;
                }
            }
            if (found != null) {
                conn.removeTunnel(found);
            }
            replies.complete(slot, found != null, -1);
            autoCloseIfNothingBound();
        });
    }

    /** Runs {@code decision} after the forwards that came before it (and after the options gate). */
    void afterGate(Runnable decision) {
        gate.submit(decision);
    }

    /** False only when no options can come any more; MINA's connection service not telling means they may. */
    private boolean sessionChannelOpen() {
        boolean open = !(session.getService(ConnectionService.class) instanceof AbstractConnectionService acs)
                || acs.getChannels().stream().anyMatch(c -> c instanceof ChannelSession);
        return optionsMayStillCome(conn.clientVersion(), open);
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

    /** The session's exec or shell arrived (its options are known): forwards go ahead now. */
    void optionsKnown() {
        gate.open();
    }

    /** The connection is gone: undecided forwards are dropped, their replies go nowhere. */
    void close() {
        gate.close();
    }

    private void allocate(String bindAddress, int port, ReplyQueue.Slot slot) {
        if (conn.isClosed()) {
            replies.complete(slot, false, -1);
            return;
        }
        String full = limits.forwardRefusal(conn.tunnels().size());
        if (full != null) {
            refuse(slot, Allocation.refused("http", full));
            return;
        }
        String storeDown = registry.claimsRefusal(); // a cluster node without its store: no name is safe
        if (storeDown != null) {
            refuse(slot, Allocation.refused("http", storeDown));
            return;
        }
        SessionOptions options = conn.options();
        ForwardRequest r = new ForwardRequest(bindAddress, port, conn, conn.user(), conn.keyFingerprint(), options,
                forwards.acknowledgements().proxyProtocolVersion(options));
        Allocation a = switch (ForwardKind.of(bindAddress, port, options, forwards.kinds())) {
            case HTTP -> forwards.http().allocate(r, false, conn::message);
            case HTTPS -> forwards.http().allocate(r, true, conn::message);
            case TCP -> forwards.tcp().allocate(r, conn::message);
            case ALIAS -> forwards.alias().allocate(r, conn::message);
            case SNI -> forwards.sni().allocate(r, conn::message);
        };
        if (!a.isGranted()) {
            refuse(slot, a);
        } else if (adopt(a, slot)) {
            conn.message(SessionText.block(a.banner()));
        }
    }

    /** Registers a granted tunnel with the connection, unless the connection dropped meanwhile. */
    private boolean adopt(Allocation a, ReplyQueue.Slot slot) {
        Tunnel tunnel = a.tunnel();
        conn.hold(tunnel, a.release());
        if (conn.isClosed()) { // the connection dropped while we decided: leak nothing (sish PR #374)
            conn.removeTunnel(tunnel);
            replies.complete(slot, false, -1);
            return false;
        }
        replies.complete(slot, true, a.replyPort());
        events.forwardRequest(a.kind(), "ok");
        events.tunnelOpened(conn, tunnel);
        String key = conn.keyFingerprint();
        log.info("event=tunnel_opened type={} host={} client={} user={} key={}", tunnel.type().label(), tunnel.host(),
                conn.remoteAddress(), conn.user(), key == null ? "none" : key);
        return true;
    }

    private void refuse(ReplyQueue.Slot slot, Allocation a) {
        String why = a.refusal();
        conn.message(why);
        if (a.detail() != null) {
            conn.message(a.detail());
        }
        events.forwardRequest(a.kind(), why.contains("unavailable") ? "conflict" : "denied");
        log.info("event=forward_refused client={} user={} reason=\"{}\"", conn.remoteAddress(), conn.user(),
                SessionText.plain(a.detail() == null ? why : why + " " + a.detail()));
        replies.complete(slot, false, -1);
    }
}
