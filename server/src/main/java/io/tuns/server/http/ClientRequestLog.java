package io.tuns.server.http;

import io.tuns.server.config.GoTimeLayout;
import io.tuns.server.tunnel.Tunnel;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * {@code --log-to-client}: one line per request in the ssh session of the tunnel that served it, in sish's
 * access-log shape ({@code time | host | status | latency | client IP | METHOD uri}). The line goes through the
 * owner's bounded, non-blocking message queue: a user who does not read their session never slows a request.
 */
public final class ClientRequestLog {

    private final DateTimeFormatter time;

    /** @param goLayout {@code --time-format}, a Go time layout */
    public ClientRequestLog(String goLayout) {
        this.time = GoTimeLayout.toFormatter(goLayout);
    }

    void request(Tunnel tunnel, String host, int status, long nanos, String clientIp, String method, String uri) {
        tunnel.owner().message(String.format(Locale.ROOT, "%s | %s | %3d | %13s | %15s | %-7s %s",
                time.format(ZonedDateTime.now()), host, status, goDuration(nanos), clientIp, method, uri));
    }

    /** Go's Duration.String() shape, rounded to microseconds: 512µs, 1.234ms, 2.5s. */
    static String goDuration(long nanos) {
        if (nanos < 1_000) {
            return nanos + "ns";
        }
        if (nanos < 1_000_000) {
            return trim(nanos / 1e3) + "µs";
        }
        if (nanos < 1_000_000_000) {
            return trim(nanos / 1e6) + "ms";
        }
        return trim(nanos / 1e9) + "s";
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
