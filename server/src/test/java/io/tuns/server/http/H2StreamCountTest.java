package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An HTTP/2 connection is closed after the head timeout with no open stream, never while one is open. */
class H2StreamCountTest {

    final EmbeddedChannel connection = new EmbeddedChannel();

    H2StreamCountTest() {
        connection.freezeTime();
    }

    private void advance(long ms) {
        connection.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        connection.runScheduledPendingTasks();
    }

    @Test
    void aConnectionThatNeverOpensAStreamIsClosedAfterTheTimeout() {
        new H2StreamCount(connection, 1000);
        advance(999);
        assertThat(connection.isOpen()).isTrue();
        advance(2);
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void anOpenStreamKeepsItAndTheTimeoutStartsAgainWhenTheLastOneCloses() {
        H2StreamCount count = new H2StreamCount(connection, 1000);
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        count.opened(a);
        count.opened(b);
        advance(5000);
        assertThat(connection.isOpen()).as("streams are open: a long download is not idleness").isTrue();
        a.close();
        advance(5000);
        assertThat(connection.isOpen()).isTrue();
        b.close();
        assertThat(count.open()).isZero();
        advance(999);
        assertThat(connection.isOpen()).isTrue();
        advance(2);
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void zeroMeansNeverForIdleness() {
        new H2StreamCount(connection, 0);
        advance(3_600_000);
        assertThat(connection.isOpen()).isTrue();
    }
}
