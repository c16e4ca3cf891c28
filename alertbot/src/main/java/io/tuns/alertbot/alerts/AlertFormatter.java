package io.tuns.alertbot.alerts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders alerts for IRC (a header line, at most {@code maxLines} alert lines, then "+N more") and for mail.
 * IRC text is stripped of control characters so a label cannot inject IRC commands or formatting.
 */
public final class AlertFormatter {
    /** Placeholders an {@code irc.alert-template} may use. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{(alertname|status|summary|label:[\\w.-]+|annotation:[\\w.-]+)}");
    private static final Pattern ANY_PLACEHOLDER = Pattern.compile("\\{[^}]*}");
    private final int maxLines;
    private final int maxLineLength;
    private final Optional<String> template;

    public AlertFormatter(int maxLines, int maxLineLength) {
        this(maxLines, maxLineLength, Optional.empty());
    }

    /** @param template how one alert reads, e.g. {@code {alertname} on {label:instance}: {summary}} */
    public AlertFormatter(int maxLines, int maxLineLength, Optional<String> template) {
        this.maxLines = maxLines;
        this.maxLineLength = maxLineLength;
        this.template = template;
    }

    /** The first placeholder a template may not use, or null if all are known. */
    public static String unknownPlaceholder(String template) {
        Matcher m = ANY_PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!PLACEHOLDER.matcher(m.group()).matches()) {
                return m.group();
            }
        }
        return null;
    }

    public String subject(String status, List<Alert> alerts, WebhookPayload p) {
        String group = p.groupLabels().isEmpty() ? alerts.get(0).name() : String.join(" ", p.groupLabels().values());
        return "[" + status.toUpperCase(java.util.Locale.ROOT) + ":" + alerts.size() + "] " + group;
    }

    public List<String> ircLines(String status, List<Alert> alerts, WebhookPayload p) {
        List<String> out = new ArrayList<>();
        int shown = Math.min(alerts.size(), Math.max(1, maxLines - 1));
        if (alerts.size() == 1) {
            out.add(clip("[" + status.toUpperCase(java.util.Locale.ROOT) + ":1] " + describe(alerts.get(0))));
        } else {
            out.add(clip(subject(status, alerts, p)));
            for (int i = 0; i < shown; i++) {
                out.add(clip("  " + describe(alerts.get(i))));
            }
        }
        int more = alerts.size() - (alerts.size() == 1 ? 1 : shown) + p.truncatedAlerts();
        if (more > 0) {
            out.add(clip("  +" + more + " more" + (p.externalUrl().isEmpty() ? "" : " — " + p.externalUrl())));
        }
        return out;
    }

    public String mailBody(String status, List<Alert> alerts, WebhookPayload p, String why) {
        StringBuilder sb = new StringBuilder();
        sb.append(why).append("\n\n");
        for (Alert a : alerts) {
            sb.append(status.toUpperCase(java.util.Locale.ROOT)).append(": ").append(describe(a)).append('\n');
            sb.append("  labels: ").append(labels(a.labels())).append('\n');
            if (!a.startsAt().isEmpty()) {
                sb.append("  starts: ").append(a.startsAt()).append('\n');
            }
            if (!a.firing() && !a.endsAt().isEmpty()) {
                sb.append("  ends:   ").append(a.endsAt()).append('\n');
            }
            if (!a.generatorUrl().isEmpty()) {
                sb.append("  source: ").append(a.generatorUrl()).append('\n');
            }
        }
        if (p.truncatedAlerts() > 0) {
            sb.append("+").append(p.truncatedAlerts()).append(" more alerts truncated by Alertmanager\n");
        }
        if (!p.externalUrl().isEmpty()) {
            sb.append("\nAlertmanager: ").append(p.externalUrl()).append('\n');
        }
        return sb.toString();
    }

    private String describe(Alert a) {
        if (template.isPresent()) {
            Matcher m = PLACEHOLDER.matcher(template.get());
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String key = m.group(1);
                String value;
                if (key.startsWith("label:")) {
                    value = a.labels().getOrDefault(key.substring(6), "");
                } else if (key.startsWith("annotation:")) {
                    value = a.annotations().getOrDefault(key.substring(11), "");
                } else {
                    value = switch (key) {
                        case "alertname" -> a.name();
                        case "status" -> a.firing() ? "firing" : "resolved";
                        default -> a.annotations().getOrDefault("summary", a.annotations().getOrDefault("description", ""));
                    };
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            return sb.toString().replaceAll("\\s+", " ").strip();
        }
        Map<String, String> ann = a.annotations();
        String summary = ann.getOrDefault("summary", ann.getOrDefault("description", ""));
        String where = a.labels().entrySet().stream()
                .filter(e -> !e.getKey().equals("alertname"))
                .filter(e -> e.getKey().equals("instance") || e.getKey().equals("severity") || e.getKey().equals("job"))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return a.name() + (where.isEmpty() ? "" : " (" + where + ")") + (summary.isEmpty() ? "" : " — " + summary);
    }

    private static String labels(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private String clip(String s) {
        String clean = s.replaceAll("[\\p{Cntrl}]", " ");
        return clean.length() <= maxLineLength ? clean : clean.substring(0, maxLineLength - 1) + "…";
    }
}
