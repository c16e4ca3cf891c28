package io.tuns.alertbot.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An Alertmanager webhook (version 4) or Grafana webhook notification. */
public record WebhookPayload(String status, String receiver, Map<String, String> groupLabels,
                             Map<String, String> commonLabels, Map<String, String> commonAnnotations,
                             String externalUrl, String title, List<Alert> alerts, int truncatedAlerts) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @throws IllegalArgumentException when the body is not such a notification (answered with 400) */
    public static WebhookPayload parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not JSON");
        }
        if (root == null || !root.isObject() || !root.path("alerts").isArray()) {
            throw new IllegalArgumentException("expected an Alertmanager/Grafana webhook with an alerts array");
        }
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode a : root.path("alerts")) {
            alerts.add(new Alert(a.path("status").asText("firing"), map(a.path("labels")), map(a.path("annotations")),
                    a.path("startsAt").asText(""), a.path("endsAt").asText(""), a.path("generatorURL").asText("")));
        }
        return new WebhookPayload(root.path("status").asText("firing"), root.path("receiver").asText(""),
                map(root.path("groupLabels")), map(root.path("commonLabels")), map(root.path("commonAnnotations")),
                root.path("externalURL").asText(""), root.path("title").asText(""), List.copyOf(alerts),
                root.path("truncatedAlerts").asInt(0));
    }

    private static Map<String, String> map(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n.isObject()) {
            n.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        }
        return m;
    }
}
