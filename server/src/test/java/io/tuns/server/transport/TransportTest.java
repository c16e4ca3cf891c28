package io.tuns.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransportTest {

    @ParameterizedTest(name = "setting {0}, epoll available {1} → {2}")
    @CsvSource(nullValues = "null", value = {
        "null,  true,  NIO",
        "nio,   true,  NIO",
        "epoll, true,  EPOLL",
        "EPOLL, true,  EPOLL",
        "auto,  true,  EPOLL",
        "epoll, false, NIO",   // asked for, not available (not Linux, no native library): never a failed start
        "auto,  false, NIO",
        "kqueue, true, NIO",   // unknown values: the default
        "'',    true,  NIO",
    })
    void choosesEpollOnlyWhenAskedAndAvailable(String setting, boolean available, Transport expected) {
        assertThat(Transport.choose(setting, () -> available)).isEqualTo(expected);
    }

    @Test
    void channelsFollowTheEventLoopTheyRegisterOn() throws Exception {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, Transport.NIO.ioHandlerFactory());
        try {
            assertThat(Transport.serverChannel(nio)).isEqualTo(NioServerSocketChannel.class);
            assertThat(Transport.socketChannel(nio.next())).isEqualTo(NioSocketChannel.class);
        } finally {
            nio.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
        Assumptions.assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, Transport.EPOLL.ioHandlerFactory());
        try {
            assertThat(Transport.serverChannel(epoll)).isEqualTo(EpollServerSocketChannel.class);
            assertThat(Transport.socketChannel(epoll.next())).isEqualTo(EpollSocketChannel.class);
        } finally {
            epoll.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
