package io.tuns.server.http;

import io.tuns.server.config.GoTimeLayout;
import io.tuns.server.tunnel.Tunnel;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per HTTP exchange in sish's access-log format ({@link SishAccessLine}): in tuns' log unless
 * {@code --log-http-requests=false}, and with {@code --log-to-client} in the ssh session of the tunnel that served
 * it (trimmed, as sish sends it). The session line goes through the owner's bounded, non-blocking message queue:
 * a user who does not read their session never slows a request.
 *
 * <p>Unlike sish, the line in tuns' log has the path without its query: query strings carry API keys and tokens,
 * and secrets stay out of the server's log. The owner's session line keeps the query as sish has it (it is their
 * traffic) with console tokens replaced by {@code [REDACTED]}: the configured admin and service tokens, and any
 * {@code x-authorization=} value (tuns' per-tunnel console links).
 */
public final class RequestLog {

    /** The logger name operators filter on. */
    static final Logger ACCESS = LoggerFactory.getLogger("io.tuns.server.http.access");

    private static final Pattern X_AUTHORIZATION = Pattern.compile("(?i)([?&]x-authorization=)[^&#]*");

    /**
     * @param timeLayout     {@code --time-format}, a Go time layout
     * @param toServerLog    {@code --log-http-requests}
     * @param toClient       {@code --log-to-client}
     * @param secretTokens   {@code --admin-console-token}, {@code --service-console-token} (blank ones ignored)
     */
    public record Settings(String timeLayout, boolean toServerLog, boolean toClient, List<String> secretTokens) {
    }

    /** The settings and their formatter, swapped together on a config reload. */
    private record Live(Settings settings, DateTimeFormatter time) {
    }

    private volatile Live live;

    public RequestLog(Settings settings) {
        this.live = new Live(settings, GoTimeLayout.toFormatter(settings.timeLayout()));
    }

    /**
     * A config reload: {@code --time-format} and {@code --log-http-requests} apply from the next exchange
     * ({@code --log-to-client} also decides TCP lines elsewhere, so it stays as started).
     */
    public void reload(String timeLayout, boolean toServerLog) {
        Settings s = live.settings();
        Settings next = new Settings(timeLayout, toServerLog, s.toClient(), s.secretTokens());
        live = new Live(next, GoTimeLayout.toFormatter(timeLayout));
    }

    /**
     * @param tunnel the tunnel that served the exchange, or null (tuns answered: 404, console, redirect…)
     * @param host   the Host header as the service got it
     * @param error  "" or gin's private error text ({@link SishAccessLine#noTunnelError})
     */
    void exchange(Tunnel tunnel, String host, int status, long nanos, String clientIp, String method, String uri,
                  String error) {
        Live l = live;
        Settings settings = l.settings();
        boolean client = settings.toClient() && tunnel != null;
        if (!client && !(settings.toServerLog() && ACCESS.isInfoEnabled())) {
            return;
        }
        String time = l.time().format(ZonedDateTime.now());
        String h = host == null ? "" : host;
        if (settings.toServerLog() && ACCESS.isInfoEnabled()) {
            String line = SishAccessLine.format(time, h, status, nanos, clientIp, method, withoutQuery(uri), error);
            ACCESS.info(line.stripTrailing()); // logback adds its own line end
        }
        if (client) {
            String line = SishAccessLine.format(time, h, status, nanos, clientIp, method, redact(uri), error);
            tunnel.owner().message(line.strip()); // sish: sshConn.SendMessage(strings.TrimSpace(logLine), true)
        }
    }

    static String withoutQuery(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    String redact(String uri) {
        String out = uri;
        for (String token : live.settings().secretTokens()) {
            if (token != null && !token.isBlank()) {
                out = out.replace(token, "[REDACTED]");
            }
        }
        Matcher m = X_AUTHORIZATION.matcher(out);
        return m.find() ? m.replaceAll("$1[REDACTED]") : out;
    }
}
