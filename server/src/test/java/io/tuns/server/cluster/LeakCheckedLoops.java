package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Two event loops shared by a test class, and after the class a check that Netty's leak detector (paranoid) saw no
 * buffer leak: the base of the tests that drive hop connections on real sockets.
 */
abstract class LeakCheckedLoops {

    static EventLoopGroup group;
    static NettyLeaks leaks;

    @BeforeAll
    static void loops() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        leaks = NettyLeaks.watch();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        try {
            assertThat(leaks.reported()).as("buffers Netty saw leak").isEmpty();
        } finally {
            leaks.stop();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
