package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What every hostile HTTP test ends with (issue 13): once the clients are gone, {@code sish_forwarded_channels_open}
 * is back to 0 within 2 s and the tunnel answers a normal request at once.
 */
final class TunnelInvariant {

    private TunnelInvariant() {
    }

    static double channelsOpen(TunsFixture tuns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tuns.server.metrics().scrape(null, out);
        return MetricsIT.value(out.toString(StandardCharsets.UTF_8), "sish_forwarded_channels_open");
    }

    /** {@code host} is a tunnel to keepalive_service.py. */
    static void assertChannelsReleasedAndTunnelServes(TunsFixture tuns, String host) throws Exception {
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(channelsOpen(tuns))
                .as("sish_forwarded_channels_open").isZero());
        try (KeepAliveClient c = new KeepAliveClient(tuns.server.httpPort(), 2000)) {
            c.send(KeepAliveClient.get(host, "/hello", "Connection: close"));
            KeepAliveClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello from python\n");
        }
    }
}
