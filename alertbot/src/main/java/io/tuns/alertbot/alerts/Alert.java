package io.tuns.alertbot.alerts;

import java.util.Map;

/** One alert of a webhook notification (Alertmanager v4 and Grafana share this shape). */
public record Alert(String status, Map<String, String> labels, Map<String, String> annotations, String startsAt,
                    String endsAt, String generatorUrl) {
    public String name() {
        return labels.getOrDefault("alertname", "alert");
    }

    public boolean firing() {
        return !"resolved".equalsIgnoreCase(status);
    }
}
