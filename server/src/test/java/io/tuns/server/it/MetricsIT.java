package io.tuns.server.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** tuns with real tunnels and traffic, scraped as Prometheus would: pico's sish_* names and the new series. */
class MetricsIT {

    static double value(String scrape, String seriesRegex) {
        Matcher m = Pattern.compile("(?m)^" + seriesRegex + " ([0-9.eE+-]+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void scrapeShowsConnectionsTunnelsRequestsAndBytes() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--admin-console-token=adm1n-t0ken", "--metrics-address=127.0.0.1:0");
             TestBackend backend = new TestBackend()) {
            SshClient ssh = tuns.ssh("-R", "m:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String url = ssh.httpUrl();
            for (int i = 0; i < 5; i++) {
                assertThat(tuns.get("m.localhost", "/hello").statusCode()).isEqualTo(200);
            }
            assertThat(tuns.get("m.localhost", "/missing").statusCode()).isEqualTo(404);
            assertThat(tuns.get("gone.localhost", "/").statusCode()).isEqualTo(404);

            String base = "http://127.0.0.1:" + tuns.server.httpPort() + "/_sish/metrics";
            Curl.Result denied = Curl.run("-H", "Host: localhost", "-o", "/dev/null", "-w", "%{http_code}", base);
            assertThat(denied.out()).isEqualTo("401");
            String scrape = Curl.run("-H", "Host: localhost", "-H", "Authorization: Bearer adm1n-t0ken", base).out();

            assertThat(value(scrape, "sish_connections_total")).isEqualTo(1.0);
            assertThat(value(scrape, "sish_tunnels_active\\{connection=\"127\\.0\\.0\\.1:\\d+\",tunnel=\""
                    + Pattern.quote(url) + "\",type=\"http\",unix=\"\",user=\"root\"\\}")).isEqualTo(1.0);
            assertThat(value(scrape, "sish_connections_time\\{connection=\"127\\.0\\.0\\.1:\\d+\",user=\"root\"\\}"))
                    .isGreaterThan(1.7e9);
            assertThat(value(scrape, "sish_http_requests_total\\{status_class=\"2xx\"\\}")).isEqualTo(5.0);
            assertThat(value(scrape, "sish_http_requests_total\\{status_class=\"4xx\"\\}")).isGreaterThanOrEqualTo(2.0);
            assertThat(value(scrape, "sish_bytes_total\\{direction=\"out\"\\}")).isGreaterThanOrEqualTo(5 * 19.0);
            assertThat(value(scrape, "sish_http_request_duration_seconds_count")).isGreaterThanOrEqualTo(7.0);
            assertThat(value(scrape, "sish_forward_requests_total\\{result=\"ok\",type=\"http\"\\}")).isEqualTo(1.0);
            assertThat(scrape).contains("process_resident_memory_bytes", "jvm_memory_used_bytes");

            // the same on --metrics-address, with the token as sish's header
            int port = tuns.server.metricsAddress().orElseThrow().getPort();
            String own = Curl.run("-H", "x-authorization: adm1n-t0ken", "http://127.0.0.1:" + port + "/metrics").out();
            assertThat(value(own, "sish_connections_total")).isEqualTo(1.0);
            String openMetrics = Curl.run("-H", "x-authorization: adm1n-t0ken", "-H",
                    "Accept: application/openmetrics-text; version=1.0.0", "http://127.0.0.1:" + port + "/metrics").out();
            assertThat(openMetrics).contains("# EOF");

            ssh.close();
            String after = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(
                    () -> Curl.run("-H", "x-authorization: adm1n-t0ken", "http://127.0.0.1:" + port + "/metrics").out(),
                    m -> value(m, "sish_connections_total") == 0.0);
            assertThat(after).doesNotContain("sish_tunnels_active{");
        }
    }
}
