package io.tuns.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as sish takes them: {@code 200ms}, {@code 5s}, {@code 15m}, {@code 1h30m}; {@code 0} is zero. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String s) {
        String v = s.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (!v.matches("(\\d+(\\.\\d+)?(ms|s|m|h))+")) {
            throw new IllegalArgumentException(v);
        }
        Matcher m = PART.matcher(v);
        double millis = 0;
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
        }
        return Duration.ofMillis((long) millis);
    }
}
