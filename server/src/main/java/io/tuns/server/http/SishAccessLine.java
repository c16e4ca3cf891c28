package io.tuns.server.http;

import java.util.Locale;

/**
 * One HTTP exchange as sish's gin logger writes it (httpmuxer.go, with gin.ForceConsoleColor, so always in
 * colour): {@code "%v | %s |%s %3d %s| %13v | %15s |%s %-7s %s %s\n%s"} — time, Host, coloured status, latency
 * as a Go duration, client IP, coloured method, request URI, then gin's private errors. Pure.
 */
final class SishAccessLine {

    // gin/logger.go
    static final String GREEN = "\033[97;42m";
    static final String WHITE = "\033[90;47m";
    static final String YELLOW = "\033[90;43m";
    static final String RED = "\033[97;41m";
    static final String BLUE = "\033[97;44m";
    static final String MAGENTA = "\033[97;45m";
    static final String CYAN = "\033[97;46m";
    static final String RESET = "\033[0m";

    private SishAccessLine() {
    }

    /**
     * @param time  the end of the exchange in {@code --time-format}
     * @param host  the Host header as the service got it (sish logs it after {@code host-header=})
     * @param uri   the request URI as received, console tokens already redacted
     * @param error gin's {@code c.Errors.ByType(ErrorTypePrivate).String()}: "" or "Error #01: …\n"
     * @return the line with its newline and error part, exactly as gin writes it to sish's log
     */
    static String format(String time, String host, int status, long latencyNanos, String clientIp, String method,
                         String uri, String error) {
        if (latencyNanos > 60_000_000_000L) {
            latencyNanos -= latencyNanos % 1_000_000_000L; // sish: Latency - Latency%time.Second over a minute
        }
        return String.format(Locale.ROOT, "%s | %s |%s %3d %s| %13s | %15s |%s %-7s %s %s\n%s", time, host,
                statusColor(status), status, RESET, goDuration(latencyNanos), clientIp, methodColor(method), method,
                RESET, uri, error);
    }

    /** gin's private error for a request no tunnel takes (sish: {@code c.AbortWithError(404, …)}). */
    static String noTunnelError(String hostname) {
        return "Error #01: cannot find connection for host: " + hostname + "\n";
    }

    static String statusColor(int code) {
        if (code >= 100 && code < 200) {
            return WHITE;
        } else if (code >= 200 && code < 300) {
            return GREEN;
        } else if (code >= 300 && code < 400) {
            return WHITE;
        } else if (code >= 400 && code < 500) {
            return YELLOW;
        }
        return RED;
    }

    static String methodColor(String method) {
        return switch (method) {
            case "GET" -> BLUE;
            case "POST" -> CYAN;
            case "PUT" -> YELLOW;
            case "DELETE" -> RED;
            case "PATCH" -> GREEN;
            case "HEAD" -> MAGENTA;
            case "OPTIONS" -> WHITE;
            default -> RESET;
        };
    }

    /** Go's {@code time.Duration.String()}: 850ns, 512.3µs, 1.234567ms, 2.5s, 1m5s, 1h0m0.5s. */
    static String goDuration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        if (nanos < 0) {
            return "-" + goDuration(-nanos);
        }
        if (nanos < 1_000) {
            return nanos + "ns";
        }
        if (nanos < 1_000_000) {
            return withFraction(nanos, 3) + "µs";
        }
        if (nanos < 1_000_000_000) {
            return withFraction(nanos, 6) + "ms";
        }
        long seconds = nanos / 1_000_000_000L;
        String s = withFraction(nanos % 1_000_000_000L + (seconds % 60) * 1_000_000_000L, 9) + "s";
        long minutes = seconds / 60;
        if (minutes == 0) {
            return s;
        }
        String m = (minutes % 60) + "m" + s;
        long hours = minutes / 60;
        return hours == 0 ? m : hours + "h" + m;
    }

    /** {@code v / 10^prec} with the fraction's trailing zeros (and a bare point) left out, as Go's fmtFrac. */
    private static String withFraction(long v, int prec) {
        long div = 1;
        for (int i = 0; i < prec; i++) {
            div *= 10;
        }
        long frac = v % div;
        if (frac == 0) {
            return Long.toString(v / div);
        }
        String digits = String.format(Locale.ROOT, "%0" + prec + "d", frac).replaceAll("0+$", "");
        return (v / div) + "." + digits;
    }
}
