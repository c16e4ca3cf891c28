package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.bridge.FakeSshChannel;
import org.junit.jupiter.api.Test;

/**
 * Every way an exchange ends, on the real codec and handler: afterwards the SSH channel is closed (or kept only
 * when both sides can be reused) and the client connection is read again (or closed).
 */
class HttpProxyHandlerExitPathsTest {

    static final String GET = "GET /x HTTP/1.1\r\nHost: app.localhost\r\n\r\n";
    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void responseCompleteKeepsTheChannelForTheNextRequest() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends(OK);
        h.settle();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 200 OK").endsWith("ok");
        assertThat(h.channel(0).closed()).isFalse();
        assertThat(h.reading()).isTrue();
        h.clientSends(GET);
        assertThat(h.channels).hasSize(1); // reused
        assertThat(h.channel(0).sentToService()).contains("GET /x HTTP/1.1", "GET /x HTTP/1.1\r\nHost");
    }

    @Test
    void serviceEofOnAnIdleKeptConnectionClosesTheChannel() { // item 1
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends(OK);
        h.settle();
        h.channel(0).serviceEof();
        h.settle();
        assertThat(h.channel(0).closed()).isTrue();
        assertThat(h.client.isOpen()).isTrue();
        assertThat(h.reading()).isTrue();
        h.clientSends(GET); // next request on a fresh channel
        assertThat(h.channels).hasSize(2);
    }

    @Test
    void clientClosingMidResponseClosesTheChannel() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
        h.settle();
        h.clientCloses();
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void clientConnectionCloseClosesBothAfterTheResponse() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /x HTTP/1.1\r\nHost: app.localhost\r\nConnection: close\r\n\r\n");
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends(OK);
        h.settle();
        assertThat(h.clientReceived()).contains("200 OK");
        assertThat(h.openChannels()).isZero();
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void serviceClosingBeforeAnsweringIsA502AndClosesTheChannel() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 3\r\n\r\nabc");
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceEof();
        h.settle();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 502");
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void serviceCuttingAResponseOffClosesTheClientWithoutAFinalChunk() { // item 9
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends("HTTP/1.1 200 OK\r\n\r\nsome of the body");
        h.settle();
        h.channel(0).dropped();
        h.settle();
        String got = h.clientReceived();
        assertThat(got).contains("transfer-encoding: chunked").contains("some of the body").doesNotContain("\r\n0\r\n");
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void serviceEndingAnUndelimitedResponseCleanlyEndsItWithTheFinalChunk() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends("HTTP/1.1 200 OK\r\n\r\nall of the body");
        h.channel(0).serviceEof();
        h.settle();
        assertThat(h.clientReceived()).contains("all of the body").endsWith("\r\n0\r\n\r\n");
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void openRefusedIsA502AndReadingResumes() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).refuse(OpenFailure.REFUSED);
        h.settle();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 502");
        assertThat(h.reading()).isTrue();
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void openTimeoutIs504AndLimitIs503() {
        ProxyHarness t = new ProxyHarness();
        t.clientSends(GET);
        t.channel(0).refuse(OpenFailure.TIMEOUT);
        t.settle();
        assertThat(t.clientReceived()).startsWith("HTTP/1.1 504");
        ProxyHarness l = new ProxyHarness();
        l.clientSends(GET);
        l.channel(0).refuse(OpenFailure.LIMIT);
        l.settle();
        assertThat(l.clientReceived()).startsWith("HTTP/1.1 503");
        assertThat(l.reading()).isTrue();
    }

    @Test
    void ownAnswerToAnUpgradeRequestResumesReading() { // item 2
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /ws HTTP/1.1\r\nHost: app.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        h.channel(0).refuse(OpenFailure.REFUSED);
        h.settle();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 502");
        assertThat(h.reading()).isTrue();
    }

    @Test
    void upgradeRefusedByTheServiceResumesReading() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /ws HTTP/1.1\r\nHost: app.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        h.channel(0).open();
        h.settle();
        assertThat(h.reading()).isFalse(); // bytes after an Upgrade request may be another protocol
        h.channel(0).serviceSends(OK);
        h.settle();
        assertThat(h.reading()).isTrue();
        assertThat(h.channel(0).closed()).isFalse();
    }

    @Test
    void upgradeAcceptedThenDroppedClosesTheClient() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /ws HTTP/1.1\r\nHost: app.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                + "raw-bytes");
        h.settle();
        assertThat(h.reading()).as(h.gate() + h.clientReceived()).isTrue();
        h.clientSends("client-raw");
        assertThat(h.channel(0).sentToService()).endsWith("client-raw");
        h.channel(0).dropped();
        h.settle();
        assertThat(h.clientReceived()).contains("101 Switching Protocols").endsWith("raw-bytes");
        assertThat(h.client.isOpen()).isFalse();
    }

    @Test
    void pipelinedRequestAfterAnErrorIsServed() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("GET /a HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n" + GET);
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends(OK);
        h.settle();
        String got = h.clientReceived();
        assertThat(got).startsWith("HTTP/1.1 404").contains("HTTP/1.1 200 OK");
        assertThat(h.reading()).isTrue();
    }

    @Test
    void continueThenServiceClosesEndsWithA502() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        h.channel(0).open();
        h.settle();
        h.channel(0).serviceSends("HTTP/1.1 100 Continue\r\n\r\n");
        h.settle();
        h.clientSends("abc");
        h.channel(0).serviceEof();
        h.settle();
        assertThat(h.clientReceived()).contains("100 Continue").contains("HTTP/1.1 502");
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void smugglingVariantsAreRefusedWithoutOpeningAChannel() {
        for (String raw : new String[] {
                "GET / HTTP/1.1\r\nHost: app.localhost\r\nHost: b\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                "POST / HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        }) {
            ProxyHarness h = new ProxyHarness();
            h.clientSends(raw);
            assertThat(h.clientReceived()).as(raw).matches("(?s)HTTP/1.1 (400|501) .*");
            assertThat(h.channels).as(raw).isEmpty();
            assertThat(h.client.isOpen()).as(raw).isFalse();
        }
    }

    @Test
    void aStalledRequestBodyIsA408AndReleasesTheChannel() throws Exception { // item 4
        ProxyHarness h = new ProxyHarness("--http-body-timeout=1s");
        h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 10\r\n\r\nabc");
        h.channel(0).open();
        h.clientSends("d");
        Thread.sleep(1200); // the timer runs on the loop's clock, the real one
        h.client.runScheduledPendingTasks();
        h.settle();
        assertThat(h.clientReceived()).startsWith("HTTP/1.1 408");
        assertThat(h.client.isOpen()).isFalse();
        assertThat(h.openChannels()).isZero();
    }

    @Test
    void aBodyHeldBackByTheTunnelIsNotTimedOut() throws Exception {
        ProxyHarness h = new ProxyHarness("--http-body-timeout=1s");
        h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 10\r\n\r\nabc");
        // the channel is not open yet: tuns is not reading, so the client is not late
        Thread.sleep(1200);
        h.client.runScheduledPendingTasks();
        h.settle();
        assertThat(h.clientReceived()).isEmpty();
        assertThat(h.client.isOpen()).isTrue();
    }

    @Test
    void aClientBeyondItsShareGets429AndHoldsNoChannel() {
        ProxyHarness h = new ProxyHarness("--max-channels-per-connection=2", "--http-max-client-share=50");
        ProxyHarness.Connection other = h.connect("203.0.113.7");
        h.clientSends("POST /x HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: 10\r\n\r\nabc");
        other.sends("GET /x HTTP/1.1\r\nHost: app.localhost\r\n\r\n");
        assertThat(other.received()).startsWith("HTTP/1.1 429");
        assertThat(h.channels).hasSize(1);
        ProxyHarness.Connection elsewhere = h.connect("198.51.100.9");
        elsewhere.sends("GET /x HTTP/1.1\r\nHost: app.localhost\r\n\r\n");
        assertThat(h.channels).hasSize(2); // another address is served
    }

    @Test
    void whileTunsAnswersARequestItselfTheKeptChannelCannotAnswerIt() {
        ProxyHarness h = new ProxyHarness();
        h.clientSends(GET);
        h.channel(0).open();
        h.channel(0).serviceSends(OK);
        h.clientSends("POST /x HTTP/1.1\r\nHost: nobody.localhost\r\nContent-Length: 5\r\n\r\nab"); // 404, body due
        h.channel(0).serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra"); // unasked
        h.channel(0).serviceEof();
        h.clientSends("cde");
        String got = h.clientReceived();
        assertThat(got).startsWith("HTTP/1.1 200 OK").contains("HTTP/1.1 404").doesNotContain("extra");
        assertThat(h.openChannels()).isZero();
        assertThat(h.client.isOpen()).isTrue();
        h.clientSends(GET); // and the next request is served on a fresh channel
        assertThat(h.channels).hasSize(2);
    }
}
