package io.tuns.server.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SSH listening socket bound at the very start of {@code main}, before MINA is set up (the host key, the
 * security providers and the server take seconds on a small VM): clients' connections wait in the kernel's backlog
 * and get the server's version line once it is up, instead of "connection refused" during a restart. MINA's NIO2
 * transport cannot adopt a plain socket, so the early socket is an asynchronous one in a channel group made here,
 * which {@link EarlyNio2Factory} then gives MINA in place of its own. Process-wide and taken once.
 */
public final class EarlySshSocket {

    /** The listen backlog of the early socket: a reconnect storm after a restart queues here. */
    static final int BACKLOG = 1024;

    private static Bound bound; // guarded by EarlySshSocket.class

    /** The early socket and the group its connections' I/O runs on. */
    record Bound(SocketAddress requested, AsynchronousServerSocketChannel channel, AsynchronousChannelGroup group) {
    }

    private EarlySshSocket() {
    }

    /**
     * Binds {@code host:port} now, in a group shaped as MINA's own: a fixed pool of {@code workers} threads, made
     * as needed. Throws if it cannot (the caller leaves the bind to MINA then).
     */
    public static synchronized void bind(String host, int port, int workers) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        AtomicInteger n = new AtomicInteger();
        AsynchronousChannelGroup group = AsynchronousChannelGroup.withThreadPool(Executors.newFixedThreadPool(workers,
                r -> {
                    Thread t = new Thread(r, "tuns-ssh-nio2-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }));
        try {
            AsynchronousServerSocketChannel ch = AsynchronousServerSocketChannel.open(group);
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, BACKLOG);
            if (bound != null) {
                bound.group().shutdownNow();
            }
            bound = new Bound(address, ch, group);
        } catch (IOException | RuntimeException e) {
            group.shutdownNow();
            throw e;
        }
    }

    /**
     * The early socket and its group if they were bound for exactly {@code wanted}, once; null otherwise. An early
     * socket for another address is closed, so that MINA can bind its own.
     */
    static synchronized Bound take(InetSocketAddress wanted) {
        Bound b = bound;
        bound = null;
        if (b != null && !b.requested().equals(wanted)) {
            try {
                b.group().shutdownNow(); // closes the socket too
            } catch (IOException e) {
                // nothing to add: MINA's own bind reports a port still taken
            }
            return null;
        }
        return b;
    }

    /** MINA's default nio-workers count, which the early group has (tuns does not change NIO_WORKERS). */
    public static int defaultWorkers() {
        return Runtime.getRuntime().availableProcessors() + 1;
    }
}
