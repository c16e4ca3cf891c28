package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Strict HTTP/1.1 at the edge and honest framing on the way back, against real OpenSSH and python3 http.server:
 * issue 13 items 3 and 5 to 9. Every test ends with the lifecycle invariant (channels back to 0, tunnel serves).
 */
@Timeout(60)
class HttpEdgeIT {

    static TunsFixture tuns;
    static PythonService service;
    static int port;
    /** Everything tuns logs during a test: ordinary bad input must never log a stack trace. */
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        service = PythonService.start(1.0);
        tuns.ssh("-N", "-R", "ka:80:127.0.0.1:" + service.port(), "127.0.0.1");
        await().atMost(Duration.ofSeconds(15)).until(() -> tuns.server.registry().httpTunnel("ka.localhost")
                .isPresent());
        port = tuns.server.httpPort();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        service.close();
    }

    HttpEdgeIT() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
    }

    @AfterEach
    void invariant() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
        assertThat(logged.list).filteredOn(e -> e.getThrowableProxy() != null).isEmpty();
        TunnelInvariant.assertChannelsReleasedAndTunnelServes(tuns, "ka.localhost");
    }

    static KeepAliveClient.Response exchange(String raw) throws IOException {
        try (KeepAliveClient c = new KeepAliveClient(port, 5000)) {
            c.send(raw);
            return c.read();
        }
    }

    /** Item 3: an oversized response head from the service is a 502 with no stack trace in the log. */
    @Test
    void hugeResponseHeadIsA502WithoutAStackTrace() throws Exception {
        try (KeepAliveClient c = new KeepAliveClient(port, 5000)) {
            c.send(KeepAliveClient.get("ka.localhost", "/hugehead"));
            assertThat(c.read().status()).isEqualTo(502);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    /** Item 5: RFC 9112 section 3.2, two Host headers are a 400, not routed by the first. */
    @Test
    void twoHostHeadersAreRefused() throws Exception {
        KeepAliveClient.Response r = exchange(KeepAliveClient.get("ka.localhost", "/hello", "Host: other.localhost"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text()).contains("more than one Host");
    }

    /** Item 6: a Transfer-Encoding other than a single chunked is not forwarded (501, as nginx). */
    @Test
    void transferCodingsBeforeChunkedAreRefused() throws Exception {
        KeepAliveClient.Response r = exchange("POST /echo HTTP/1.1\r\nHost: ka.localhost\r\n"
                + "Transfer-Encoding: identity, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(501);
        KeepAliveClient.Response last = exchange("POST /echo HTTP/1.1\r\nHost: ka.localhost\r\n"
                + "Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertThat(last.status()).isEqualTo(400);
    }

    /** Item 7: Connection and the headers it names stop at tuns (RFC 9110 section 7.6.1). */
    @Test
    void hopByHopHeadersDoNotReachTheService() throws Exception {
        KeepAliveClient.Response r = exchange(KeepAliveClient.get("ka.localhost", "/headers",
                "Connection: keep-alive, X-Hop-Secret", "X-Hop-Secret: 1", "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive", "X-End-To-End: 2"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("x-end-to-end: 2").doesNotContain("x-hop-secret", "keep-alive",
                "proxy-connection");
    }

    /** Item 8: an absolute-form target's authority wins over Host, and the service sees one consistent request. */
    @Test
    void absoluteFormTargetIsRoutedByItsAuthorityAndForwardedInOriginForm() throws Exception {
        KeepAliveClient.Response r = exchange("GET http://ka.localhost/headers?x=1 HTTP/1.1\r\n"
                + "Host: other.localhost\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("path: /headers?x=1\n", "host: ka.localhost\n")
                .doesNotContain("other.localhost");
    }

    /**
     * Item 9: a body without a length, cut off because the ssh client died, must not look complete: it goes to an
     * HTTP/1.1 client chunked and ends without the final chunk.
     */
    @Test
    void cutOffUndelimitedResponseIsVisibleToTheClient() throws Exception {
        SshClient cut = tuns.ssh("-N", "-R", "cut:80:127.0.0.1:" + service.port(), "127.0.0.1");
        await().atMost(Duration.ofSeconds(15)).until(() -> tuns.server.registry().httpTunnel("cut.localhost")
                .isPresent());
        try (KeepAliveClient c = new KeepAliveClient(port, 10_000)) {
            c.send(KeepAliveClient.get("cut.localhost", "/nolength?size=200000000"));
            c.readHeadOnly();
            cut.kill9();
            assertThatThrownBy(c::readRestOfBody).isInstanceOf(IOException.class);
        }
        // a complete one still ends cleanly, with the final chunk
        KeepAliveClient.Response whole = exchange(KeepAliveClient.get("ka.localhost", "/nolength?size=100000"));
        assertThat(whole.hasHeader("transfer-encoding", "chunked")).isTrue();
        assertThat(whole.body()).hasSize(100000);
    }
}
