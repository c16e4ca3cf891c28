package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13 item 4 against real OpenSSH: clients trickling request bodies cannot hold a tunnel's channels from
 * everyone else. One address gets at most its share (then 429), another address is served at once, and a body that
 * stops arriving ends in a 408 after --http-body-timeout, releasing its channel.
 */
@Timeout(60)
class SlowBodyFairnessIT {

    @Test
    void slowBodiesFromOneAddressLeaveTheTunnelToOthersAndTimeOut() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-channels-per-connection=4", "--http-max-client-share=50",
                "--http-body-timeout=2s");
             PythonService service = PythonService.start(30.0)) { // a patient service: only tuns may cut
            tuns.ssh("-N", "-R", "slow:80:127.0.0.1:" + service.port(), "127.0.0.1");
            await().atMost(Duration.ofSeconds(15)).until(() -> tuns.server.registry().httpTunnel("slow.localhost")
                    .isPresent());
            int port = tuns.server.httpPort();
            List<KeepAliveClient> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    if (i == 2) { // the first two have their channels before the others ask (connections race)
                        await().atMost(Duration.ofSeconds(5)).until(() -> TunnelInvariant.channelsOpen(tuns) == 2.0);
                    }
                    KeepAliveClient c = new KeepAliveClient(port, 6000);
                    slow.add(c);
                    c.send("POST /echo HTTP/1.1\r\nHost: slow.localhost\r\nContent-Length: 100000\r\n\r\nx");
                }
                // the first two hold this address's share (2 of 4); the others are refused at once
                for (int i = 2; i < 4; i++) {
                    KeepAliveClient.Response r = slow.get(i).read();
                    assertThat(r.status()).isEqualTo(429);
                    assertThat(r.text()).contains("--http-max-client-share");
                }
                assertThat(TunnelInvariant.channelsOpen(tuns)).isEqualTo(2.0);
                try (KeepAliveClient other = new KeepAliveClient("127.0.0.2", port, 3000)) {
                    other.send(KeepAliveClient.get("slow.localhost", "/hello"));
                    assertThat(other.read().status()).isEqualTo(200); // before: 503, all channels taken
                }
                // the trickle stops: after --http-body-timeout the slow ones get 408 and their channels go
                for (int i = 0; i < 2; i++) {
                    KeepAliveClient.Response r = slow.get(i).read();
                    assertThat(r.status()).isEqualTo(408);
                    assertThat(slow.get(i).closedByServer()).isTrue();
                }
            } finally {
                for (KeepAliveClient c : slow) {
                    c.close();
                }
            }
            TunnelInvariant.assertChannelsReleasedAndTunnelServes(tuns, "slow.localhost");
        }
    }
}
