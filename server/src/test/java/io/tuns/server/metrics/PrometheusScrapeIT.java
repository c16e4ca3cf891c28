package io.tuns.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's real Prometheus, configured from ops/prometheus (scrape job, bearer token, rules), scrapes
 * Metrics over loopback: proves the exposition parses, the token is sent the way the config says,
 * removed series go stale, and the rules load and evaluate.
 */
class PrometheusScrapeIT {
    private static final String TOKEN = "admin-secret";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> acceptHeaders = new CopyOnWriteArrayList<>();
    private HttpServer tuns;
    private Process prometheus;
    private int prometheusPort;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (tuns != null) {
            tuns.stop(0);
        }
    }

    @Test
    void realPrometheusScrapesTheShippedJobAndEvaluatesTheRules() throws Exception {
        Metrics metrics = new Metrics(new PrometheusRegistry(), true);
        metrics.registerJvmMetrics();
        metrics.sshConnectionOpened("alice", "10.0.0.1:5555", 1_700_000_000L);
        metrics.sshConnectionOpened("bob", "10.0.0.2:6666", 1_700_000_100L);
        metrics.tunnelOpened("http", "alice", "10.0.0.1:5555", "http://app.localhost", "/u/1");
        metrics.tunnelOpened("tcp", "bob", "10.0.0.2:6666", "localhost:40000", "/u/2");
        metrics.httpRequest(200, 0.03);
        metrics.httpRequest(502, 1.5);
        metrics.bytes("out", 12_345);
        metrics.captureBudget(() -> 1000, 64L << 20);

        int tunsPort = serve(metrics);
        startPrometheus(tunsPort);

        JsonNode up = await("up{job=\"tuns\"}", result -> result.size() == 1);
        assertThat(value(up.get(0))).isEqualTo(1.0);
        assertThat(value(await("sish_connections_total", r -> r.size() == 1).get(0))).isEqualTo(2.0);
        JsonNode http = await("sish_tunnels_active{type=\"http\"}", r -> r.size() == 1).get(0).path("metric");
        assertThat(http.path("user").asText()).isEqualTo("alice");
        assertThat(http.path("connection").asText()).isEqualTo("10.0.0.1:5555");
        assertThat(http.path("tunnel").asText()).isEqualTo("http://app.localhost");
        assertThat(value(await("sish_http_requests_total{status_class=\"5xx\"}", r -> r.size() == 1).get(0)))
                .isEqualTo(1.0);
        assertThat(value(await("sish_http_request_duration_seconds_count", r -> r.size() == 1).get(0)))
                .isEqualTo(2.0);
        assertThat(value(await("sish_bytes_total{direction=\"out\"}", r -> r.size() == 1).get(0)))
                .isEqualTo(12_345.0);
        assertThat(value(await("process_resident_memory_bytes", r -> r.size() == 1).get(0))).isPositive();
        assertThat(value(await("sish_memory_limit_bytes", r -> r.size() == 1).get(0))).isPositive();
        // The shipped rules are loaded and evaluated: the always-firing heartbeat is there.
        await("ALERTS{alertname=\"Watchdog\", alertstate=\"firing\"}", r -> r.size() == 1);
        // Prometheus asked for OpenMetrics first, and got it.
        assertThat(acceptHeaders).isNotEmpty().allMatch(accept -> accept.startsWith("application/openmetrics-text"));

        // A closed tunnel's series is gone from the next scrape, so Prometheus marks it stale.
        metrics.tunnelClosed("http", "alice", "10.0.0.1:5555", "http://app.localhost", "/u/1");
        metrics.sshConnectionClosed("alice", "10.0.0.1:5555");
        await("sish_tunnels_active{type=\"http\"}", JsonNode::isEmpty);
        assertThat(await("sish_tunnels_active", r -> r.size() == 1).get(0).path("metric").path("type").asText())
                .isEqualTo("tcp");
        assertThat(value(await("sish_connections_total", r -> r.size() == 1 && value(r.get(0)) == 1.0).get(0)))
                .isEqualTo(1.0);
    }

    /** Stands in for tuns' /_sish/metrics: the same token check and content negotiation. */
    private int serve(Metrics metrics) throws IOException {
        tuns = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tuns.createContext("/_sish/metrics", exchange -> {
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            boolean authorized = ("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!authorized) {
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            acceptHeaders.add(accept == null ? "" : accept);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            metrics.scrape(accept, body);
            exchange.getResponseHeaders().set("Content-Type", metrics.contentType(accept));
            exchange.sendResponseHeaders(200, body.size());
            try (OutputStream out = exchange.getResponseBody()) {
                body.writeTo(out);
            }
        });
        tuns.start();
        return tuns.getAddress().getPort();
    }

    /** The shipped prometheus.yml with only the tuns job, pointed at loopback, scraping every second. */
    private void startPrometheus(int tunsPort) throws IOException {
        String binary = Tools.require("prometheus");
        Path ops = OpsFiles.opsDir();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode config = (ObjectNode) yaml.readTree(ops.resolve("prometheus/prometheus.yml").toFile());
        ObjectNode global = (ObjectNode) config.path("global");
        global.put("scrape_interval", "1s").put("scrape_timeout", "1s").put("evaluation_interval", "1s");
        config.remove("alerting");
        ArrayNode jobs = json.createArrayNode();
        for (JsonNode job : config.path("scrape_configs")) {
            if (job.path("job_name").asText().equals("tuns")) {
                ObjectNode tunsJob = ((ObjectNode) job).put("scheme", "http");
                ((ObjectNode) tunsJob.path("static_configs").get(0)).putArray("targets").add("127.0.0.1:" + tunsPort);
                jobs.add(tunsJob);
            }
        }
        assertThat(jobs).as("tuns job in prometheus.yml").hasSize(1);
        config.set("scrape_configs", jobs);

        Files.createDirectories(dir.resolve("etc/secrets"));
        Files.createDirectories(dir.resolve("etc/rules"));
        Files.writeString(dir.resolve("etc/secrets/tuns-admin-token"), TOKEN + "\n");
        Files.copy(ops.resolve("prometheus/rules/tuns.rules.yml"), dir.resolve("etc/rules/tuns.rules.yml"));
        yaml.writeValue(dir.resolve("etc/prometheus.yml").toFile(), config);

        prometheusPort = freePort();
        prometheus = new ProcessBuilder(binary,
                "--config.file=" + dir.resolve("etc/prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    /** Polls an instant query until its result satisfies the condition. */
    private JsonNode await(String query, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode result = null;
        while (System.nanoTime() < deadline) {
            assertThat(prometheus.isAlive()).as("prometheus running; log:\n%s", log()).isTrue();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
                                        + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    result = json.readTree(response.body()).path("data").path("result");
                    if (done.test(result)) {
                        return result;
                    }
                }
            } catch (IOException notYetListening) {
                // Prometheus is still starting.
            }
            Thread.sleep(250);
        }
        throw new AssertionError("query " + query + " never matched; last result " + result
                + "\nprometheus log:\n" + log());
    }

    private static double value(JsonNode sample) {
        return Double.parseDouble(sample.path("value").get(1).asText());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
