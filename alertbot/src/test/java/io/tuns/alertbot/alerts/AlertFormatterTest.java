package io.tuns.alertbot.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertFormatterTest {
    static Alert alert(String name, String instance) {
        return new Alert("firing", Map.of("alertname", name, "instance", instance), Map.of("summary", "it broke"),
                "2026-01-01T00:00:00Z", "", "http://prom/graph");
    }

    static WebhookPayload payload(List<Alert> alerts, int truncated) {
        return new WebhookPayload("firing", "bot", Map.of("alertname", "NodeDown"), Map.of(), Map.of(),
                "http://am:9093", "", alerts, truncated);
    }

    @Test
    void floodLimitedWithPlusNMore() {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            alerts.add(alert("NodeDown", "node-" + i));
        }
        List<String> lines = new AlertFormatter(5, 400).ircLines("firing", alerts, payload(alerts, 3));
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).isEqualTo("[FIRING:12] NodeDown");
        assertThat(lines.get(1)).contains("instance=node-0").contains("it broke");
        assertThat(lines.get(5)).isEqualTo("  +11 more — http://am:9093");
    }

    @Test
    void singleAlertIsOneLineAndControlCharsAreStripped() {
        Alert a = new Alert("firing", Map.of("alertname", "Evil"), Map.of("summary", "x\r\nQUIT :bye\u0002"), "", "", "");
        List<String> lines = new AlertFormatter(5, 400).ircLines("firing", List.of(a), payload(List.of(a), 0));
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("[FIRING:1] Evil — x").doesNotContain("\r").doesNotContain("\n")
                .doesNotContain("\u0002");
    }

    @Test
    void longLinesAreClipped() {
        Alert a = new Alert("firing", Map.of("alertname", "Long"), Map.of("summary", "y".repeat(1000)), "", "", "");
        List<String> lines = new AlertFormatter(5, 100).ircLines("firing", List.of(a), payload(List.of(a), 0));
        assertThat(lines.get(0)).hasSize(100).endsWith("…");
    }

    @Test
    void parsesAlertmanagerV4AndGrafana() {
        String am = """
                {"version":"4","status":"resolved","receiver":"r","groupLabels":{"alertname":"A"},
                 "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","truncatedAlerts":2,
                 "alerts":[{"status":"resolved","labels":{"alertname":"A"},"annotations":{},
                            "startsAt":"s","endsAt":"e","generatorURL":"g"}]}""";
        WebhookPayload p = WebhookPayload.parse(am.getBytes());
        assertThat(p.alerts()).hasSize(1);
        assertThat(p.alerts().get(0).firing()).isFalse();
        assertThat(p.truncatedAlerts()).isEqualTo(2);
        String grafana = """
                {"receiver":"irc","status":"firing","orgId":1,"title":"[FIRING:1] HighCPU","state":"alerting",
                 "message":"m","alerts":[{"status":"firing","labels":{"alertname":"HighCPU"},
                 "annotations":{"summary":"cpu"},"startsAt":"s","endsAt":"e","generatorURL":"g",
                 "fingerprint":"f","silenceURL":"u","dashboardURL":"d","values":{"A":1}}],
                 "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://grafana"}""";
        WebhookPayload g = WebhookPayload.parse(grafana.getBytes());
        assertThat(g.title()).isEqualTo("[FIRING:1] HighCPU");
        assertThat(new AlertFormatter(5, 400).ircLines("firing", g.alerts(), g).get(0))
                .isEqualTo("[FIRING:1] HighCPU — cpu");
    }

    @Test
    void templateShapesTheAlertLine() {
        Alert a = new Alert("firing", Map.of("alertname", "NodeDown", "instance", "tuns-1"),
                Map.of("summary", "node unreachable", "runbook_url", "http://rb/nd"), "", "", "");
        AlertFormatter f = new AlertFormatter(5, 400,
                java.util.Optional.of("{alertname} on {label:instance} ({label:missing}): {summary} {annotation:runbook_url}"));
        assertThat(f.ircLines("firing", List.of(a), payload(List.of(a), 0)))
                .containsExactly("[FIRING:1] NodeDown on tuns-1 (): node unreachable http://rb/nd");
        assertThat(AlertFormatter.unknownPlaceholder("{alertname} {nope}")).isEqualTo("{nope}");
        assertThat(AlertFormatter.unknownPlaceholder("{alertname} {label:a.b}")).isNull();
    }
}
