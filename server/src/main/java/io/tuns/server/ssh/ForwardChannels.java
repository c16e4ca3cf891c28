package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.memory.WindowWaiters;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.session.ServerSession;

/**
 * The forwarded channels of one ssh connection: opening them (channel slots and SSH window reserved before the
 * open, refused with the reason when either is short) and counting their traffic, per connection and per tunnel.
 * Whatever way a channel ends, what it held is given back exactly once ({@link CountedSink}).
 */
final class ForwardChannels {

    /** How often window withheld under memory pressure is offered back (a paused channel resumes this fast). */
    static final long REGRANT_MILLIS = 100;

    private final ServerSession session;
    private final SshContext ctx;
    private final ServerConfig cfg;
    private final ConnectionLimits limits;
    private final Consumer<String> messages;
    /** The connection's channels and bytes, and each held tunnel's (an entry per tunnel held). */
    private final ChannelTraffic traffic = new ChannelTraffic(null);
    private final Map<Tunnel, ChannelTraffic> tunnelTraffic = new ConcurrentHashMap<>();
    /** Channels withholding window (paused or shrunk); bound: this connection's open channels. */
    private final Set<ChannelWindow> withholding = ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> regrants; // guarded by this
    private boolean closed; // guarded by this
    private int turn; // the scheduler's thread only
    /** A pass over the paused channels is queued on the scheduler: at most one at a time per connection. */
    private final AtomicBoolean resumeQueued = new AtomicBoolean();

    ForwardChannels(ServerSession session, SshContext ctx, ConnectionLimits limits, Consumer<String> messages) {
        this.session = session;
        this.ctx = ctx;
        this.cfg = ctx.config();
        this.limits = limits;
        this.messages = messages;
    }

    /** Channels open now and bytes carried over the life of this connection, all its tunnels together. */
    ChannelTraffic traffic() {
        return traffic;
    }

    /** One held tunnel's channels and bytes; zeros for a tunnel this connection does not hold. */
    ChannelTraffic traffic(Tunnel tunnel) {
        ChannelTraffic t = tunnelTraffic.get(tunnel);
        return t == null ? new ChannelTraffic(null) : t;
    }

    /** The connection now holds {@code tunnel}: its channels get their own counts. */
    void track(Tunnel tunnel) {
        tunnelTraffic.put(tunnel, new ChannelTraffic(traffic));
    }

    /** The connection let {@code tunnel} go; its channels still open count for the connection until they close. */
    void untrack(Tunnel tunnel) {
        tunnelTraffic.remove(tunnel);
    }

    /** Opens a forwarded channel towards the ssh client for one incoming connection; the sink hears how it ends. */
    void open(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
        // the window this channel may receive is reserved up front: it is what the ssh client may send us
        MemoryBudget memory = ctx.memory();
        long window = memory.windowFor(cfg.sshWindowSize());
        if (!memory.tryReserve(MemoryBudget.Kind.SSH_WINDOW, window)) {
            ctx.events().channelOpenFailed("memory");
            sink.onOpenFailed(ChannelSink.OpenFailure.MEMORY, memory.refusal());
            sink.onClosed();
            return;
        }
        String full = limits.tryOpenChannel();
        if (full != null) {
            memory.release(MemoryBudget.Kind.SSH_WINDOW, window);
            ctx.events().channelOpenFailed("limit");
            sink.onOpenFailed(ChannelSink.OpenFailure.LIMIT, full);
            sink.onClosed();
            return;
        }
        ctx.events().channelOpened();
        // a channel of a tunnel already dropped still counts for the connection until it closes
        ChannelTraffic counts = tunnelTraffic.getOrDefault(tunnel, traffic);
        counts.opened();
        // HTTP requests get their own line; an alias's line names the requester's ssh connection (AliasChannel)
        if (cfg.logToClient() && tunnel.type() != Tunnel.TunnelType.HTTP && tunnel.type() != Tunnel.TunnelType.ALIAS) {
            InetSocketAddress local = sink.listenerAddress(); // sish: cl.RemoteAddr(), cl.LocalAddr()
            messages.accept(SessionText.acceptedConnection(SessionText.goAddress(origin),
                    local != null ? SessionText.goAddress(local) : tunnel.host()));
        }
        ChannelWindow granted = new ChannelWindow(memory, window, this::withholding);
        ChannelSink counted = new CountedSink(sink, counts, granted);
        ForwardedTcpipChannel ch = new ForwardedTcpipChannel(tunnel.bindAddress(), tunnel.bindPort(),
                origin.getAddress().getHostAddress(), origin.getPort(), counted, counts, granted);
        CoreModuleProperties.WINDOW_SIZE.set(ch, window); // read when the channel registers (its local window)
        ForwardedTcpipChannel.open(session, ch, ctx.scheduler(), cfg.channelOpenTimeout());
    }

    /**
     * A channel keeps window back: from now on it is offered its window again every {@value #REGRANT_MILLIS} ms,
     * because a paused channel receives no data whose write would do it.
     */
    private void withholding(ChannelWindow w) {
        WindowWaiters waiters = ctx.memory().windowWaiters();
        if (waiters.size() > 0 && resumeQueued.compareAndSet(false, true)) {
            // bytes just given back may be room for the first paused channel: do not wait for the next tick
            ctx.scheduler().execute(() -> {
                resumeQueued.set(false);
                waiters.resumeInOrder();
            });
        }
        if (!withholding.add(w)) {
            return;
        }
        synchronized (this) {
            if (regrants == null && !closed) {
                regrants = ctx.scheduler().scheduleWithFixedDelay(this::regrant, REGRANT_MILLIS, REGRANT_MILLIS,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Each tick starts one channel further on: with little room, the first channels offered take it, so a fixed
     * order would starve the last ones (and their services time out waiting to send).
     */
    private void regrant() {
        ctx.memory().windowWaiters().resumeInOrder(); // paused channels first, oldest first, server-wide
        List<ChannelWindow> ws = new ArrayList<>(withholding);
        int n = ws.size();
        int start = n == 0 ? 0 : Math.floorMod(turn++, n);
        for (int i = 0; i < n; i++) {
            ChannelWindow w = ws.get((start + i) % n);
            if (!w.regrant()) {
                withholding.remove(w);
                if (w.withheld() > 0) { // withheld again between the two: it must not be forgotten
                    withholding.add(w);
                }
            }
        }
    }

    /** The connection has ended: no more regrants (its channels close and give back their windows themselves). */
    void close() {
        synchronized (this) {
            closed = true;
            if (regrants != null) {
                regrants.cancel(false);
            }
        }
    }

    /** Gives the channel slots and the reserved window back exactly once, whatever way the channel ends. */
    private final class CountedSink implements ChannelSink {
        private final ChannelSink inner;
        private final ChannelTraffic counts;
        private final ChannelWindow window;
        private final AtomicBoolean released = new AtomicBoolean();

        CountedSink(ChannelSink inner, ChannelTraffic counts, ChannelWindow window) {
            this.inner = inner;
            this.counts = counts;
            this.window = window;
        }

        @Override
        public void onOpen(IoOutputStream toClient, Closeable channel) {
            inner.onOpen(toClient, channel);
        }

        @Override
        public void onOpenFailed(OpenFailure failure, String reason) {
            ctx.events().channelOpenFailed(failure == OpenFailure.TIMEOUT ? "timeout"
                    : failure == OpenFailure.REFUSED ? "refused" : failure == OpenFailure.MEMORY ? "memory" : "closed");
            inner.onOpenFailed(failure, reason);
        }

        @Override
        public void onData(byte[] data, Runnable release) {
            inner.onData(data, release);
        }

        @Override
        public void onEof() {
            inner.onEof();
        }

        @Override
        public void onClosed() {
            if (released.compareAndSet(false, true)) {
                limits.releaseChannel();
                counts.closed();
                window.close(); // what the window still holds in the budget, withheld or not
                withholding.remove(window);
                ctx.events().channelClosed();
            }
            inner.onClosed();
        }
    }
}
