package io.tuns.server.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as sish takes them ({@code time.ParseDuration}): {@code 200ms}, {@code 5s}, {@code 15m},
 * {@code 1h30m}, {@code 1.5h}, {@code 300us}; a bare {@code 0} is zero. Public because per-session commands
 * ({@code deadline=15m}) use the same syntax.
 */
public final class Durations {

    private static final String NUMBER = "(\\d+\\.?\\d*|\\.\\d+)";
    private static final String UNIT = "(ns|us|µs|μs|ms|s|m|h)";
    private static final Pattern WHOLE = Pattern.compile("(" + NUMBER + UNIT + ")+");
    private static final Pattern PART = Pattern.compile(NUMBER + UNIT);

    private Durations() {
    }

    /** @throws IllegalArgumentException if {@code text} is not a non-negative Go duration */
    public static Duration parse(String text) {
        String v = text.trim();
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (!WHOLE.matcher(v).matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "'");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = PART.matcher(v);
        while (m.find()) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPer(m.group(2)))));
        }
        try {
            return Duration.ofNanos(nanos.longValueExact());
        } catch (ArithmeticException e) {
            // fractional nanoseconds are truncated like Go does; only overflow is an error
            if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0) {
                return Duration.ofNanos(nanos.longValue());
            }
            throw new IllegalArgumentException("duration too large: '" + text + "'");
        }
    }

    private static long nanosPer(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
    }
}
