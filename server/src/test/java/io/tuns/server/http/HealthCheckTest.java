package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /_sish/health through the real codec and handler: answered for any Host, and neither counted nor logged. */
class HealthCheckTest {

    @Test
    void theCheckIsAnsweredForAnyHostAndNotCountedWhileARealMissIs() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /_sish/health HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n");
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").contains("This tuns node is serving.");
        h.clientSends("GET /_sish/health HTTP/1.1\r\nHost: app.localhost\r\n\r\n"); // a tunnel's name: still ours
        assertThat(h.clientReceived().split("HTTP/1.1 200 OK", -1)).hasSize(3);
        assertThat(h.channels).as("no tunnel was asked").isEmpty();
        assertThat(h.counted).as("a check is not traffic").isEmpty();
        h.clientSends("GET / HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n");
        assertThat(h.clientReceived()).contains("HTTP/1.1 404 Not Found");
        assertThat(h.counted).containsExactly(404);
    }

    @Test
    void aNodeNotServingAnswers503WithTheReason() {
        io.netty.handler.codec.http.FullHttpResponse r = OwnAnswers.health("This node is shutting down.");
        try {
            assertThat(r.status().code()).isEqualTo(503);
            assertThat(r.content().toString(java.nio.charset.StandardCharsets.UTF_8)).contains("Not serving")
                    .contains("This node is shutting down.");
        } finally {
            r.release();
        }
    }
}
