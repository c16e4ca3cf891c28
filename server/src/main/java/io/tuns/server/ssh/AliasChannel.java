package io.tuns.server.ssh;

import io.tuns.server.bridge.IdleWatch;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.AbstractServerChannel;

/**
 * {@code direct-tcpip} from an authenticated user ({@code ssh -W alias:22}, {@code -J}, {@code -L}) to a
 * private alias: a {@code forwarded-tcpip} channel is opened on the alias owner's connection and the two SSH
 * channels are bridged. Each side's window is returned only when the other side has written the bytes. A
 * refused alias fails this channel only, never the requester's connection (sish closes it). Each direction is an
 * {@link AliasLane}: a side's EOF and close reach the other side after the bytes it sent before them, so a close
 * right behind the last bytes loses none to a slow reader (at most a window waits; {@code --alias-drain-timeout}).
 */
final class AliasChannel extends AbstractServerChannel {

    private final Function<String, TunnelGroup> aliases;
    private final List<Tunnel> failed = new ArrayList<>(1); // members that refused; ≤ group size
    private volatile Attempt current;
    private InetSocketAddress origin;
    private TunnelGroup group;
    private ClientConnection requester;
    private final AliasPolicy policy;
    private final IdleWatch idle;
    private final ScheduledExecutorService scheduler;
    private final boolean logToClient;
    private volatile ChannelAsyncOutputStream toRequester;
    private volatile Closeable ownerChannel;
    private DefaultOpenFuture openFuture;
    private final AtomicBoolean decided = new AtomicBoolean();
    /** The requester's side holds up to its window here (the owner's side is reserved by ClientConnection). */
    private final MemoryBudget memory;
    private final AtomicBoolean windowReleased = new AtomicBoolean();
    private long reservedWindow;
    /** Requester → owner: ends in the owner channel's close; bytes ≤ this channel's window. */
    private final AliasLane toOwnerLane;
    /** Owner → requester: ends in this channel's close; bytes ≤ the owner channel's window. */
    private final AliasLane toRequesterLane;

    /** Who may use which alias. */
    interface AliasPolicy {
        /** Null when allowed, else the reason shown to the requester. */
        String refusal(Tunnel alias, ClientConnection requester);
    }

    private final RemoteAliases remote;

    /**
     * @param idle {@code --idle-connection}'s watch over both directions, or null when the flag is off
     * @param scheduler runs the idle check
     * @param logToClient {@code --log-to-client}: the alias owner's session gets sish's "Accepted connection" line
     * @param remote     opens an alias no local tunnel serves on the cluster node holding it, or null
     * @param drainStall {@code --alias-drain-timeout}: how long a close waits for queued bytes while none move,
     *                   before it is cut ({@link AliasLane})
     */
    AliasChannel(Function<String, TunnelGroup> aliases, AliasPolicy policy, IdleWatch idle,
                 ScheduledExecutorService scheduler, boolean logToClient, MemoryBudget memory, RemoteAliases remote,
                 Duration drainStall) {
        super("direct-tcpip", List.of(), null);
        toOwnerLane = new AliasLane("to-owner", new AliasLane.Target() {
            @Override
            public void afterEof() {
                // the owner's stream sends EOF itself once its writes are out (a hop shuts its output down)
            }

            @Override
            public void close(boolean cut) {
                Closeable ch = ownerChannel;
                if (ch != null) {
                    ch.close(false); // see Target.close: a graceful close tells the owner's ssh
                }
            }
        }, scheduler, drainStall, this::releaseWindow, null); // this channel's reservation covers its bytes
        toRequesterLane = new AliasLane("to-requester", new AliasLane.Target() {
            @Override
            public void afterEof() {
                try {
                    sendEof();
                } catch (IOException e) {
                    AliasChannel.this.close(true);
                }
            }

            @Override
            public void close(boolean cut) {
                AliasChannel.this.close(false); // see Target.close: a graceful close tells the requester's ssh
            }
        }, scheduler, drainStall, () -> { }, memory); // the owner's reservation ends with its channel
        this.remote = remote;
        this.memory = memory;
        this.logToClient = logToClient;
        this.aliases = aliases;
        this.policy = policy;
        this.idle = idle;
        this.scheduler = scheduler;
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        openFuture = new DefaultOpenFuture(this, futureLock);
        String host = buffer.getString();
        int port = buffer.getInt();
        String origHost = buffer.getString();
        int origPort = buffer.getInt();
        String key = host.toLowerCase(Locale.ROOT) + ":" + port;
        group = aliases.apply(key);
        requester = ClientConnection.of(getSession());
        Tunnel alias = group == null ? null : group.next();
        boolean elsewhere = alias == null && remote != null && requester != null;
        String refusal = elsewhere ? null : alias == null ? "no alias " + key + " is open on this server"
                : requester == null ? "not authenticated" : policy.refusal(alias, requester);
        if (refusal != null) {
            log.info("event=alias_refused alias={} reason=\"{}\"", key, refusal);
            openFuture.setException(new SshChannelOpenException(getChannelId(),
                    SshConstants.SSH_OPEN_CONNECT_FAILED, refusal));
            return openFuture;
        }
        long window = getLocalWindow().getSize();
        if (!memory.tryReserve(MemoryBudget.Kind.SSH_WINDOW, window)) {
            String why = memory.refusal();
            log.info("event=alias_refused alias={} reason=\"{}\"", key, why);
            openFuture.setException(new SshChannelOpenException(getChannelId(),
                    SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, why));
            return openFuture;
        }
        reservedWindow = window;
        // given back once: when the open fails, or when the open channel closes
        openFuture.addListener(f -> {
            if (!f.isOpened()) {
                releaseWindow();
            }
        });
        // the open channel's reservation goes back when the requester → owner lane ends (toOwnerLane)
        origin = new InetSocketAddress(origHost.isEmpty() ? "127.0.0.1" : origHost,
                Math.max(0, Math.min(65535, origPort)));
        if (elsewhere) { // another cluster node may hold it: one hop there, its owner bridges to the alias
            remote.open(TunnelRegistry.key(Tunnel.TunnelType.ALIAS, key), origin, new RemoteAttempt(key));
            return openFuture;
        }
        if (logToClient) {
            tellOwnerAndLocalForwarder(alias, key);
        }
        openOn(alias);
        return openFuture;
    }

    /** sish aliashandler: the requester's real SSH address and key, to the owner (and a local-forward=true requester). */
    private void tellOwnerAndLocalForwarder(Tunnel alias, String key) {
        String fp = requester.keyFingerprint();
        String line = SessionText.acceptedConnection(
                requester.remoteAddress() + (fp == null || fp.isEmpty() ? "" : " (" + fp + ")"), key);
        alias.owner().message(line);
        if (requester.options().flag("local-forward") && requester != alias.owner()) {
            requester.message(line);
        }
    }

    private void openOn(Tunnel member) {
        Attempt attempt = new Attempt(member);
        current = attempt;
        member.owner().openChannel(member, origin, attempt);
    }

    /** With a load-balanced alias, another member this requester may use and that was not tried; or null. */
    private Tunnel alternative() {
        while (true) {
            Tunnel t = group.nextExcept(failed);
            if (t == null || policy.refusal(t, requester) == null) {
                return t;
            }
            failed.add(t); // not for this requester: never tried, never offered again
        }
    }

    /** What every try does with the owner's bytes: queued for the requester in order, EOF and close last. */
    private abstract class OwnerSink implements ChannelSink {
        @Override
        public void onData(byte[] data, Runnable release) {
            touch();
            toRequesterLane.write(data, release);
        }

        @Override
        public void onEof() {
            toRequesterLane.eof();
        }
    }

    /**
     * The owner's channel (or the hop to its node) closed: the requester still gets what was queued, then EOF if
     * the owner sent one, then the close; what the requester sends from now on has nowhere to go.
     */
    private void ownerClosed() {
        toRequesterLane.close();
        toOwnerLane.drop();
    }

    /**
     * One try at opening a channel on a member's connection. A refused try still reports its channel's close
     * later; only the current try may act, so a member that refused does not close a channel another accepted.
     */
    private final class Attempt extends OwnerSink {
        private final Tunnel member;

        Attempt(Tunnel member) {
            this.member = member;
        }

        @Override
        public void onOpen(IoOutputStream ownerOut, Closeable ch) {
            if (this != current) {
                ch.close(false);
                return;
            }
            ownerOpened(ownerOut, ch);
        }

        @Override
        public void onOpenFailed(OpenFailure failure, String reason) {
            if (this != current) {
                return;
            }
            synchronized (failed) {
                failed.add(member);
                Tunnel other = alternative();
                if (other != null) {
                    log.info("event=alias_failover alias={} reason=\"{}\"", member.host(), reason);
                    openOn(other);
                    return;
                }
            }
            ownerOpenFailed(failure, reason);
        }

        @Override
        public void onClosed() {
            if (this == current) {
                ownerClosed();
            }
        }
    }

    /** The alias on another node: no other member to try here, the owner node chose among its own. */
    private final class RemoteAttempt extends OwnerSink {
        private final String key;

        RemoteAttempt(String key) {
            this.key = key;
        }

        @Override
        public void onOpen(IoOutputStream ownerOut, Closeable ch) {
            ownerOpened(ownerOut, ch);
        }

        @Override
        public void onOpenFailed(OpenFailure failure, String reason) {
            log.info("event=alias_refused alias={} reason=\"{}\"", key, reason);
            if (decided.compareAndSet(false, true)) {
                openFuture.setException(new SshChannelOpenException(getChannelId(),
                        SshConstants.SSH_OPEN_CONNECT_FAILED, "no alias " + key + " is open: " + reason));
            }
        }

        /** After the answer queued before it: the hop's close may come right behind its last bytes. */
        @Override
        public void onClosed() {
            ownerClosed();
        }
    }

    private void releaseWindow() {
        if (reservedWindow > 0 && windowReleased.compareAndSet(false, true)) {
            memory.release(MemoryBudget.Kind.SSH_WINDOW, reservedWindow);
        }
    }

    // ------------------------------------------------------------ owner side

    private void ownerOpened(IoOutputStream ownerOut, Closeable ch) {
        if (!decided.compareAndSet(false, true)) {
            ch.close(false);
            return;
        }
        this.ownerChannel = ch;
        toRequester = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA);
        toOwnerLane.attach(ownerOut);
        if (toOwnerLane.isDone()) { // the requester's connection went while the owner was opening
            ch.close(false);
            return;
        }
        signalChannelOpenSuccess(); // MINA sends OPEN_CONFIRMATION from this event, not from the future
        openFuture.setOpened();
        toRequesterLane.attach(toRequester); // the owner's first bytes go after the confirmation
        if (idle != null) {
            idle.start(scheduler, () -> close(false));
        }
    }

    private void ownerOpenFailed(ChannelSink.OpenFailure failure, String reason) {
        if (decided.compareAndSet(false, true)) {
            log.info("event=alias_open_failed reason=\"{}\"", reason);
            boolean shortage = failure == ChannelSink.OpenFailure.MEMORY || failure == ChannelSink.OpenFailure.LIMIT;
            openFuture.setException(new SshChannelOpenException(getChannelId(),
                    shortage ? SshConstants.SSH_OPEN_RESOURCE_SHORTAGE : SshConstants.SSH_OPEN_CONNECT_FAILED,
                    shortage ? reason : "the alias owner could not connect: " + reason));
        }
    }

    // Bytes from the alias owner → the requester arrive through the current Attempt; the owner's window returns
    // when they are written here.

    // ------------------------------------------------------------ requester side

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        byte[] copy = new byte[(int) len];
        System.arraycopy(data, off, copy, 0, (int) len);
        touch();
        toOwnerLane.write(copy, () -> {
            if (isClosing()) {
                return; // the requester is gone: its window is moot
            }
            try {
                getLocalWindow().release(len);
            } catch (IOException | RuntimeException e) {
                close(true);
            }
        });
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        getLocalWindow().release(len);
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        toOwnerLane.eof();
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        ChannelAsyncOutputStream out = toRequester;
        if (out != null) {
            out.onWindowExpanded(); // without this the requester stalls after its first window
        }
    }

    /**
     * This channel closes (the requester's CLOSE, ours after the owner's, idle, an error): the owner still gets what
     * the requester sent before, then its EOF, then the close; what the owner sends from now on is dropped.
     */
    @Override
    protected void preClose() {
        if (idle != null) {
            idle.stop();
        }
        toOwnerLane.close();
        toRequesterLane.drop();
        super.preClose();
    }

    private void touch() {
        if (idle != null) {
            idle.touch();
        }
    }
}
