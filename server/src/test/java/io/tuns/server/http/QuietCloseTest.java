package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/** A connection error nobody handled closes the connection and stops there (nothing reaches the pipeline's tail). */
class QuietCloseTest {

    @Test
    void aResetClosesTheConnectionWithoutReachingTheTail() {
        EmbeddedChannel ch = new EmbeddedChannel(QuietClose.INSTANCE);
        ch.pipeline().fireExceptionCaught(new SocketException("Connection reset"));
        assertThat(ch.isOpen()).isFalse();
        ch.checkException(); // EmbeddedChannel rethrows what reached its tail: nothing did
    }
}
