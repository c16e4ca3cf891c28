package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exchange lifecycle against real OpenSSH and a real service that closes idle keep-alive connections first
 * (python3 http.server, 1 s keep-alive timeout). After every test the invariant holds: once the clients are gone
 * {@code sish_forwarded_channels_open} is back to 0 within 2 s and the tunnel answers a normal request at once.
 */
@Timeout(60)
class HttpLifecycleIT {

    static final String HOST = "ka.localhost";
    static final String DEAD = "dead.localhost";

    static TunsFixture tuns;
    static PythonService service;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        service = PythonService.start(1.0);
        // dead: a tunnel whose service is not listening (port 1), so tuns answers 502 itself
        tuns.ssh("-N", "-R", "ka:80:127.0.0.1:" + service.port(), "-R", "dead:80:127.0.0.1:1", "127.0.0.1");
        await().atMost(Duration.ofSeconds(15)).until(() -> tuns.server.registry().httpTunnel(HOST).isPresent()
                && tuns.server.registry().httpTunnel(DEAD).isPresent());
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        service.close();
    }

    static double channelsOpen() {
        return TunnelInvariant.channelsOpen(tuns);
    }

    /** Issue 13, item 1: the service's end-of-stream on an idle kept-alive connection must close the SSH channel. */
    @Test
    void serviceClosingIdleKeepAliveFirstClosesTheChannel() throws Exception {
        List<KeepAliveClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                KeepAliveClient c = new KeepAliveClient(tuns.server.httpPort(), 5000);
                clients.add(c);
                c.send(KeepAliveClient.get(HOST, "/hello"));
                assertThat(c.read().status()).isEqualTo(200);
            }
            // the service drops each idle connection after 1 s; tuns must close the channel then, not keep it
            await().atMost(Duration.ofSeconds(4)).until(() -> channelsOpen() == 0.0);
            for (KeepAliveClient c : clients) { // the same client connections go on, on fresh channels
                c.send(KeepAliveClient.get(HOST, "/hello"));
                assertThat(c.read().status()).isEqualTo(200);
            }
        } finally {
            for (KeepAliveClient c : clients) {
                c.close();
            }
        }
        TunnelInvariant.assertChannelsReleasedAndTunnelServes(tuns, HOST);
    }

    /**
     * A service that is down (connection refused behind the ssh client) costs no channel: each refused open is
     * released at once, so 502s cannot fill the connection's channel limit. Before, MINA sometimes marked a refused
     * channel closed without running its close listener, and the channel stayed counted for good.
     */
    @Test
    void refusedOpensAreReleased() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (KeepAliveClient c = new KeepAliveClient(tuns.server.httpPort(), 5000)) {
                c.send(KeepAliveClient.get(DEAD, "/", "Connection: close"));
                assertThat(c.read().status()).isEqualTo(502);
            }
        }
        TunnelInvariant.assertChannelsReleasedAndTunnelServes(tuns, HOST);
    }

    /** Issue 13, item 2: after tuns answers an Upgrade request itself the connection reads on at once. */
    @Test
    void ownAnswerToAnUpgradeRequestDoesNotStallTheConnection() throws Exception {
        try (KeepAliveClient c = new KeepAliveClient(tuns.server.httpPort(), 5000)) {
            c.send(KeepAliveClient.get(DEAD, "/", "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
                    "HTTP2-Settings: AAMAAABkAAQBAAAAAAIAAAAA"));
            KeepAliveClient.Response first = c.read();
            assertThat(first.status()).isEqualTo(502);
            long start = System.nanoTime();
            c.send(KeepAliveClient.get(HOST, "/hello"));
            KeepAliveClient.Response second = c.read(); // before the fix: nothing until --http-header-timeout
            assertThat(second.status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
        TunnelInvariant.assertChannelsReleasedAndTunnelServes(tuns, HOST);
    }
}
