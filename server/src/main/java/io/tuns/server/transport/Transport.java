package io.tuns.server.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty's I/O transport for tuns' own event loops: Java NIO, or Linux's native epoll. Chosen once per process by
 * the system property {@code tuns.transport} ({@code nio}, the default; {@code epoll}; {@code auto}: epoll when its
 * native library loads). BENCHMARKS.md has the A/B that decides the default. Channels follow the event loop they
 * are registered on ({@link #serverChannel}, {@link #socketChannel}), so a bootstrap never mixes the two.
 */
public enum Transport {
    NIO, EPOLL;

    /** The property's name. */
    public static final String PROPERTY = "tuns.transport";

    private static final Transport CHOSEN = choose(System.getProperty(PROPERTY), Epoll::isAvailable);

    /** This process's transport. */
    public static Transport chosen() {
        return CHOSEN;
    }

    /**
     * The decision: {@code epoll} or {@code auto} take epoll when it is available, anything else (or epoll
     * unavailable: not Linux, no native library) takes NIO, so a setting can never stop the server.
     */
    static Transport choose(String setting, java.util.function.BooleanSupplier epollAvailable) {
        return requestsEpoll(setting) && epollAvailable.getAsBoolean() ? EPOLL : NIO;
    }

    /** Whether the setting asks for epoll (without loading the native library to see if it can have it). */
    public static boolean requestsEpoll(String setting) {
        String s = setting == null ? "" : setting.trim().toLowerCase(java.util.Locale.ROOT);
        return s.equals("epoll") || s.equals("auto");
    }

    /** The factory for a new event loop group of this transport. */
    public IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** The listening channel type that registers on {@code group}. */
    public static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The connecting channel type that registers on {@code group} (or on an event loop of one). */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static boolean isEpoll(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup g && g.isIoType(EpollIoHandler.class);
    }
}
