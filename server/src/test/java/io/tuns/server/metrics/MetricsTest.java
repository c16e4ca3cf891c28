package io.tuns.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private final Metrics metrics = new Metrics(new PrometheusRegistry(), true);

    @Test
    void connectionsAreCountedAndTheirStartTimeSeriesRemovedOnClose() {
        metrics.sshConnectionOpened("alice", "10.0.0.1:5555", 1_700_000_000L);
        metrics.sshConnectionOpened("bob", "10.0.0.2:6666", 1_700_000_100L);

        String text = scrape(null);
        assertThat(value(text, "sish_connections_total")).isEqualTo(2.0);
        assertThat(value(text, "sish_connections_time{connection=\"10.0.0.1:5555\",user=\"alice\"}"))
                .isEqualTo(1.7e9);

        metrics.sshConnectionClosed("alice", "10.0.0.1:5555");
        text = scrape(null);
        assertThat(value(text, "sish_connections_total")).isEqualTo(1.0);
        assertThat(text).doesNotContain("alice").contains("user=\"bob\"");
    }

    @Test
    void closingAConnectionNeverOpenedChangesNothing() {
        metrics.sshConnectionClosed("mallory", "10.0.0.9:1");
        metrics.sshConnectionOpened("alice", "10.0.0.1:5555", 1L);
        metrics.sshConnectionClosed("alice", "10.0.0.1:5555");
        metrics.sshConnectionClosed("alice", "10.0.0.1:5555");

        assertThat(value(scrape(null), "sish_connections_total")).isEqualTo(0.0);
    }

    @Test
    void tunnelsAreOnePerOpenForwardAndRemovedOnClose() {
        metrics.tunnelOpened("http", "alice", "10.0.0.1:5555", "http://app.example.com", "/tmp/u1");
        metrics.tunnelOpened("tcp", "alice", "10.0.0.1:5555", "example.com:40000", "/tmp/u2");

        String text = scrape(null);
        String http = "sish_tunnels_active{connection=\"10.0.0.1:5555\",tunnel=\"http://app.example.com\","
                + "type=\"http\",unix=\"/tmp/u1\",user=\"alice\"}";
        assertThat(value(text, http)).isEqualTo(1.0);
        assertThat(text).contains("type=\"tcp\"");

        metrics.tunnelClosed("http", "alice", "10.0.0.1:5555", "http://app.example.com", "/tmp/u1");
        text = scrape(null);
        assertThat(text).doesNotContain("app.example.com").contains("type=\"tcp\"");
    }

    @Test
    void userLabelsOffKeepsTheLabelButNeverTheName() {
        Metrics anonymous = new Metrics(new PrometheusRegistry(), false);
        anonymous.sshConnectionOpened("alice", "10.0.0.1:5555", 5L);
        anonymous.tunnelOpened("alias", "alice", "10.0.0.1:5555", "db:5432", "/tmp/u");

        String text = scrape(anonymous, null);
        assertThat(text).doesNotContain("alice");
        assertThat(value(text, "sish_connections_time{connection=\"10.0.0.1:5555\",user=\"\"}")).isEqualTo(5.0);
        assertThat(text).contains("type=\"alias\",unix=\"/tmp/u\",user=\"\"}");

        anonymous.sshConnectionClosed("alice", "10.0.0.1:5555");
        anonymous.tunnelClosed("alias", "alice", "10.0.0.1:5555", "db:5432", "/tmp/u");
        text = scrape(anonymous, null);
        assertThat(text).doesNotContain("sish_connections_time{").doesNotContain("sish_tunnels_active{");
    }

    @Test
    void countersExistAtZeroBeforeTheFirstEvent() {
        String text = scrape(null);
        assertThat(value(text, "sish_ssh_auth_failures_total{method=\"password\"}")).isEqualTo(0.0);
        assertThat(value(text, "sish_http_requests_total{status_class=\"5xx\"}")).isEqualTo(0.0);
        assertThat(value(text, "sish_forward_requests_total{result=\"ok\",type=\"http\"}")).isEqualTo(0.0);
        assertThat(value(text, "sish_inspect_truncated_total{reason=\"budget\"}")).isEqualTo(0.0);
    }

    @Test
    void eventCountersAndHistogram() {
        metrics.sshAuthFailure("password");
        metrics.sshAuthFailure("password");
        metrics.sshAuthFailure("gssapi-with-mic");
        metrics.forwardRequest("http", "conflict");
        metrics.httpRequest(200, 0.02);
        metrics.httpRequest(503, 2.0);
        metrics.httpRequest(0, 0.001);
        metrics.bytes("in", 100);
        metrics.bytes("out", 5000);
        metrics.bytes("out", 0);
        metrics.channelOpenFailure("refused");
        metrics.channelOpenFailure("weird");

        String text = scrape(null);
        assertThat(value(text, "sish_ssh_auth_failures_total{method=\"password\"}")).isEqualTo(2.0);
        assertThat(value(text, "sish_ssh_auth_failures_total{method=\"other\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_forward_requests_total{result=\"conflict\",type=\"http\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_http_requests_total{status_class=\"2xx\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_http_requests_total{status_class=\"5xx\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_http_requests_total{status_class=\"other\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_http_request_duration_seconds_bucket{le=\"0.025\"}")).isEqualTo(2.0);
        assertThat(value(text, "sish_http_request_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(3.0);
        assertThat(value(text, "sish_http_request_duration_seconds_count")).isEqualTo(3.0);
        assertThat(value(text, "sish_bytes_total{direction=\"in\"}")).isEqualTo(100.0);
        assertThat(value(text, "sish_bytes_total{direction=\"out\"}")).isEqualTo(5000.0);
        assertThat(value(text, "sish_channel_open_failures_total{reason=\"refused\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_channel_open_failures_total{reason=\"other\"}")).isEqualTo(1.0);
    }

    @Test
    void memoryBudgetByKindAndItsRefusals() {
        io.tuns.server.memory.MemoryBudget budget = io.tuns.server.memory.MemoryBudget.of(1000);
        metrics.memoryBudget(budget);
        budget.reserve(io.tuns.server.memory.MemoryBudget.Kind.SSH_WINDOW, 600);
        budget.reserve(io.tuns.server.memory.MemoryBudget.Kind.QUEUED_WRITES, 300);
        budget.tryReserve(io.tuns.server.memory.MemoryBudget.Kind.SSH_WINDOW, 1);
        budget.tryReserve(io.tuns.server.memory.MemoryBudget.Kind.CAPTURE, 1);

        String text = scrape(null);
        assertThat(value(text, "sish_memory_budget_bytes")).isEqualTo(1000.0);
        assertThat(value(text, "sish_memory_budget_in_use_bytes{kind=\"ssh_window\"}")).isEqualTo(600.0);
        assertThat(value(text, "sish_memory_budget_in_use_bytes{kind=\"queued_writes\"}")).isEqualTo(300.0);
        assertThat(value(text, "sish_memory_budget_in_use_bytes{kind=\"capture\"}")).isEqualTo(0.0);
        assertThat(value(text, "sish_memory_budget_refusals_total{kind=\"ssh_window\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_memory_budget_refusals_total{kind=\"capture\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_memory_budget_refusals_total{kind=\"console_render\"}")).isEqualTo(0.0);
    }

    @Test
    void captureConsoleChannelsAndCertificates() {
        AtomicLong inUse = new AtomicLong(1024);
        metrics.captureBudget(inUse::get, 64L << 20);
        metrics.captureTruncated("budget");
        metrics.captureTruncated("limit");
        metrics.captureTruncated("limit");
        metrics.captureEvicted(3);
        metrics.consoleViewers(() -> 4);
        metrics.consoleEventsDropped(7);
        metrics.forwardedChannelOpened();
        metrics.forwardedChannelOpened();
        metrics.forwardedChannelClosed();
        metrics.certificateExpiry("tuns.example.com", 1_800_000_000L);
        metrics.certificateExpiry("old.example.com", 1_700_000_000L);
        metrics.certificateRemoved("old.example.com");

        String text = scrape(null);
        assertThat(value(text, "sish_inspect_bytes_in_use")).isEqualTo(1024.0);
        assertThat(value(text, "sish_inspect_bytes_limit")).isEqualTo(67108864.0);
        assertThat(value(text, "sish_inspect_truncated_total{reason=\"budget\"}")).isEqualTo(1.0);
        assertThat(value(text, "sish_inspect_truncated_total{reason=\"limit\"}")).isEqualTo(2.0);
        assertThat(value(text, "sish_inspect_evicted_total")).isEqualTo(3.0);
        assertThat(value(text, "sish_console_viewers")).isEqualTo(4.0);
        assertThat(value(text, "sish_console_events_dropped_total")).isEqualTo(7.0);
        assertThat(value(text, "sish_forwarded_channels_open")).isEqualTo(1.0);
        assertThat(value(text, "sish_certificate_expiry_timestamp_seconds{name=\"tuns.example.com\"}"))
                .isEqualTo(1.8e9);
        assertThat(text).doesNotContain("old.example.com");

        inUse.set(2048); // read at scrape time, not at registration
        assertThat(value(scrape(null), "sish_inspect_bytes_in_use")).isEqualTo(2048.0);
    }

    @Test
    void longFreeFormValuesAreCut() {
        String huge = "u".repeat(10_000);
        metrics.sshConnectionOpened(huge, "10.0.0.1:1", 1L);
        assertThat(scrape(null)).contains("user=\"" + "u".repeat(LabelValues.MAX_FREE_FORM_LENGTH) + "\"")
                .doesNotContain("u".repeat(LabelValues.MAX_FREE_FORM_LENGTH + 1));
        metrics.sshConnectionClosed(huge, "10.0.0.1:1");
        assertThat(value(scrape(null), "sish_connections_total")).isEqualTo(0.0);
    }

    @Test
    void formatIsChosenByAcceptHeader() {
        String openMetrics = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assertThat(metrics.contentType(openMetrics)).startsWith("application/openmetrics-text");
        assertThat(metrics.contentType(null)).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.contentType("text/plain")).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.contentType("application/vnd.google.protobuf;"
                + "proto=io.prometheus.client.MetricFamily;encoding=delimited")).startsWith("text/plain");

        metrics.sshAuthFailure("password");
        String om = scrape(openMetrics);
        assertThat(om).endsWith("# EOF\n")
                .contains("# TYPE sish_ssh_auth_failures counter")
                .contains("sish_ssh_auth_failures_total{method=\"password\"} 1.0")
                .contains("# TYPE sish_connections_total gauge")
                .contains("# UNIT sish_http_request_duration_seconds seconds");
        String text = scrape(null);
        assertThat(text).doesNotContain("# EOF").contains("# TYPE sish_ssh_auth_failures_total counter");
    }

    @Test
    void jvmAndProcessMetricsRegisterOncePerRegistry() {
        metrics.registerJvmMetrics();
        metrics.registerJvmMetrics();
        String text = scrape(null);
        assertThat(text).contains("jvm_memory_used_bytes{area=\"heap\"}").contains("process_cpu_seconds_total");
        if (System.getProperty("os.name").toLowerCase().contains("linux")) {
            assertThat(value(text, "process_resident_memory_bytes")).isPositive();
            assertThat(value(text, "sish_memory_limit_bytes")).isPositive();
        }
    }

    @Test
    void twoServersInOneJvmDoNotShareState() {
        Metrics other = new Metrics(new PrometheusRegistry(), true);
        metrics.sshConnectionOpened("alice", "10.0.0.1:1", 1L);
        assertThat(value(scrape(other, null), "sish_connections_total")).isEqualTo(0.0);
    }

    private String scrape(String accept) {
        return scrape(metrics, accept);
    }

    static String scrape(Metrics m, String accept) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.scrape(accept, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of one series, written exactly as the exposition writes it (labels sorted by name). */
    static double value(String exposition, String series) {
        return exposition.lines()
                .filter(line -> line.startsWith(series + " "))
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).split(" ")[0]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + exposition));
    }
}
