package io.tuns.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every metric the rules, the dashboard and METRICS.md name must be one tuns really exports. */
class OpsReferencesTest {
    private static final Pattern METRIC = Pattern.compile("\\b(?:sish|process|jvm)_[a-z_]+\\b");

    private final Path ops = OpsFiles.opsDir();

    @Test
    void rulesDashboardAndDocsNameOnlyExportedMetrics() throws IOException {
        Set<String> exported = exportedNames();
        assertThat(referenced(Files.readString(ops.resolve("prometheus/rules/tuns.rules.yml"))))
                .as("metrics named in the rules").isSubsetOf(exported);
        assertThat(referenced(dashboardExpressions())).as("metrics named in the dashboard").isSubsetOf(exported);
        assertThat(referenced(Files.readString(ops.resolve("METRICS.md")))).as("metrics named in METRICS.md")
                .isSubsetOf(exported);
    }

    @Test
    void everyTunsMetricIsDocumented() throws IOException {
        String docs = Files.readString(ops.resolve("METRICS.md"));
        Set<String> undocumented = exportedNames().stream()
                .filter(name -> name.startsWith("sish_"))
                .filter(name -> !name.matches(".*_(bucket|count|sum|created)$"))
                .filter(name -> !docs.contains("`" + name + "`"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(undocumented).as("sish_* metrics missing from ops/METRICS.md").isEmpty();
    }

    @Test
    void dashboardIsGrafanaJsonWithTheUsualPanels() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(ops.resolve("grafana/tuns-dashboard.json").toFile());
        Set<String> titles = new TreeSet<>();
        dashboard.path("panels").forEach(panel -> titles.add(panel.path("title").asText()));
        assertThat(titles).contains("Total Connections", "Tunnels by type", "Session duration", "CPU", "Memory",
                "Requests by status", "Latency quantiles", "Bytes", "Capture budget", "Truncations and evictions",
                "Console viewers", "Console events dropped");
    }

    private String dashboardExpressions() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(ops.resolve("grafana/tuns-dashboard.json").toFile());
        StringBuilder exprs = new StringBuilder();
        dashboard.findValues("expr").forEach(expr -> exprs.append(expr.asText()).append('\n'));
        assertThat(exprs).isNotEmpty();
        return exprs.toString();
    }

    private static Set<String> referenced(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    /** Series names in a scrape of a Metrics with every optional part set. */
    private static Set<String> exportedNames() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Metrics metrics = new Metrics(registry, true);
        metrics.registerJvmMetrics();
        ClusterMetrics cluster = new ClusterMetrics(registry, 10, () -> 1); // a cluster node's series too
        cluster.storeAnswered(true);
        cluster.leaseRenewed(1000);
        metrics.sshConnectionOpened("u", "c", 1);
        metrics.tunnelOpened("http", "u", "c", "t", "x");
        metrics.httpRequest(200, 0.1);
        metrics.certificateExpiry("n", 1);
        metrics.memoryBudget(io.tuns.server.memory.MemoryBudget.of(1 << 20));
        Set<String> names = new TreeSet<>();
        MetricsTest.scrape(metrics, null).lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0])
                .forEach(name -> {
                    names.add(name);
                    names.add(name.replaceAll("_(bucket|count|sum|created)$", "")); // a histogram's own name
                });
        return names;
    }
}
