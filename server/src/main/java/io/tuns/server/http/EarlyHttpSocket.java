package io.tuns.server.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP listening socket bound at the very start of {@code main}, before the server is built: from then on the
 * kernel queues connections in its backlog and {@link HttpFront} serves them once it is up, instead of clients
 * being refused for the seconds start-up takes (what systemd's socket activation does). Process-wide, like the
 * sockets systemd would pass; at most one socket per address, taken once.
 */
public final class EarlyHttpSocket {

    /** The listen backlog of a socket bound early: as deep as {@link HttpFront#publicListener}'s. */
    static final int BACKLOG = 1024;
    private static final Map<InetSocketAddress, ServerSocketChannel> BOUND = new ConcurrentHashMap<>();

    private EarlyHttpSocket() {
    }

    /** Binds {@code host:port} now; throws if it cannot (the caller leaves the bind to the server then). */
    public static void bind(String host, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, BACKLOG);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        ServerSocketChannel prev = BOUND.put(address, ch);
        if (prev != null) {
            prev.close();
        }
    }

    /** The socket bound early for exactly this address, once; null if there is none. */
    static ServerSocketChannel take(String host, int port) {
        return BOUND.remove(new InetSocketAddress(host, port));
    }
}
