package io.tuns.server.ssh;

import io.tuns.server.tcp.TcpPortAllocator;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Every line tuns writes to a user's ssh session, worded and coloured as sish writes it (sish's sshmuxer/ and
 * utils/, colours by logrusorgru/aurora v2: {@code ESC[<n>m … ESC[0m}), so scripts that scrape sish's session keep
 * working. tuns' own extra lines (takeover, shared names, reasons) come after sish's and are plain text.
 * {@link SessionMessages} ends every message with CR LF, as sish's writeToSession does.
 */
final class SessionText {

    private static final String RESET = "\u001b[0m";
    private static final DateTimeFormatter DEADLINE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private SessionText() {
    }

    // ------------------------------------------------------------------ colours (aurora v2)

    static String red(String s) {
        return "\u001b[31m" + s + RESET;
    }

    static String green(String s) {
        return "\u001b[32m" + s + RESET;
    }

    static String bgRed(String s) {
        return "\u001b[41m" + s + RESET;
    }

    static String bgBlue(String s) {
        return "\u001b[44m" + s + RESET;
    }

    /** The text without colours, for the server's log. */
    static String plain(String s) {
        return s.replace("\u001b[31m", "").replace("\u001b[32m", "").replace("\u001b[41m", "")
                .replace("\u001b[44m", "").replace(RESET, "");
    }

    // ------------------------------------------------------------------ welcome and forward blocks

    /** sish writes the welcome with its own CR LF and then writeToSession's: a blank line follows. Null when empty. */
    static String welcome(String message) {
        return message == null || message.isEmpty() ? null : bgRed(message) + "\r\n";
    }

    /** @param connType sish's "http", "https", "tcp" (also for aliases) or "tls" */
    static String forwardHeader(String connType, int requestedPort) {
        return "Starting SSH Forwarding service for " + green(connType + ":" + requestedPort)
                + ". Forwarded connections can be accessed via the following methods:";
    }

    /** One way to reach a forward: {@code HTTP}, {@code HTTPS}, {@code TCP}, {@code TLS}, {@code TCP Alias}. */
    static String access(String label, String target) {
        return bgBlue(label) + ": " + target;
    }

    static String serviceConsole(String url) {
        return "Service console can be accessed here: " + url;
    }

    /** A forward's lines as sish sends them: one message, each line ending in CR LF, so a blank line follows. */
    static String block(List<String> lines) {
        return String.join("\r\n", lines) + "\r\n";
    }

    // ------------------------------------------------------------------ names that cannot be had

    /** @param host the full host, as sish prints it ({@code myapp.example.com}) */
    static String subdomainUnavailable(String host, boolean forced) {
        return "The subdomain " + red(host) + " is unavailable." + (forced ? "" : " Assigning a random subdomain.");
    }

    /** @param alias {@code name:port} */
    static String aliasUnavailable(String alias, boolean forced) {
        return "The alias " + red(alias) + " is unavailable." + (forced ? "" : " Assigning a random alias.");
    }

    static String tcpPortUnavailable(int port, boolean forced) {
        return "The TCP port " + red(String.valueOf(port)) + " is unavailable." + (forced ? "" : " Assigning a random port.");
    }

    // ------------------------------------------------------------------ closing the connection (sshmuxer.go)

    static String deadlineReached() {
        return "Connection deadline reached. Closing connection.";
    }

    /** sish's line whenever the connection has no listener left (cleanup-unbound or auto-close), refused ones too. */
    static String noForwards() {
        return "No forwarding requests sent. Closing connection.";
    }

    // ------------------------------------------------------------------ answers to the session's commands

    static String proxyProtocol(int version) {
        return "Proxy protocol enabled for TCP connections. Using protocol version " + version;
    }

    static String hostHeader(String host) {
        return "Using host header " + host + " for HTTP handlers";
    }

    static String stripPath(boolean on) {
        return "Strip path for HTTP handlers set to: " + on;
    }

    static String sniProxy(boolean on) {
        return "SNI proxy for TCP forwards set to: " + on;
    }

    static String tcpAddress(String address) {
        return "TCP address for TCP forwards set to: " + address;
    }

    static String tcpAlias(boolean on) {
        return "TCP alias for TCP forwards set to: " + on;
    }

    static String autoClose(boolean on) {
        return "Auto close for connection set to: " + on;
    }

    static String forceHttps(boolean on) {
        return "Force https for connection set to: " + on;
    }

    static String localForward(boolean on) {
        return "Connection used for local forwards set to: " + on;
    }

    /** @param fingerprints the user's list, with the connection's own key first as "fp (self)" when it has one */
    static String allowedAliasUsers(List<String> fingerprints) {
        return "Allowed users for TCP Aliases set to: " + String.join(", ", fingerprints);
    }

    static String deadline(Instant at) {
        return "Deadline for connection set to: " + DEADLINE.format(at);
    }

    // ------------------------------------------------------------------ tuns' own lines (sish has none of these)
    // Plain text, each after sish's line for the same event (never before it), a reason in parentheses, so a
    // script that scrapes sish's lines sees them unchanged.

    /** tuns' reason after sish's subdomain line. @param reason a phrase such as "it is reserved" */
    static String subdomainReason(String host, String reason) {
        return "(The subdomain " + host + ": " + reason + ".)";
    }

    /** tuns' reason after sish's alias line. @param alias {@code name:port} */
    static String aliasReason(String alias, String reason) {
        return "(The alias " + alias + ": " + reason + ".)";
    }

    /** tuns' reason after sish's TCP port line, or alone where sish refuses without a line. */
    static String tcpPortReason(int port, String reason) {
        return "(The TCP port " + port + ": " + reason + ".)";
    }

    /** The reason phrase for a TCP port tuns could not give (see {@link TcpPortAllocator.Failure}). */
    static String portFailure(TcpPortAllocator.Failure f, String portBindRange) {
        return switch (f) {
            case RANDOM_ENFORCED -> "random ports are enforced on this server";
            case EMPTY_RANGE -> "--port-bind-range is empty on this server";
            case OUTSIDE_RANGE -> "it is outside --port-bind-range " + portBindRange;
            case IN_USE -> "it is in use on this server";
            case NO_FREE_PORT -> "no free port was found in --port-bind-range " + portBindRange;
            case BIND_FAILED -> "no port could be bound on this server";
        };
    }

    static final String RANDOM_ALIASES_ENFORCED = "random aliases are enforced on this server";
    static final String RESERVED = "it is reserved";

    /** Nothing could be had after sish's line and the random tries; the forward is refused. */
    static String noRandomSubdomain() {
        return "No free random subdomain was found; try again.";
    }

    static String noRandomAlias() {
        return "No free random alias was found; try again.";
    }

    /** @param requested the name as asked, without the domain */
    static String subdomainTakenOver(String requested) {
        return "The subdomain " + requested + " was held by an earlier connection with your key;"
                + " it has been moved to this connection.";
    }

    static String subdomainShared(String requested) {
        return "The subdomain " + requested + " is shared: requests are balanced between its tunnels.";
    }

    static String tcpPortShared(int port) {
        return "The TCP port " + port + " is shared: connections are balanced between its tunnels.";
    }

    static String basicAuthDisabled() {
        return "Basic auth tunnels are disabled on this server (--bind-http-auth=false); the credentials are ignored.";
    }

    static String pathDisabled() {
        return "Path tunnels are disabled on this server (--bind-http-path=false); the path is ignored.";
    }

    static String tooManyForwards(int held) {
        return "This connection already has " + held
                + " forwards, the most this server allows (--max-forwards-per-connection).";
    }

    /** After sish's {@link #noForwards()} under cleanup-unbound when forwards were asked for and all refused. */
    static String noForwardGranted() {
        return "(No forwarding request was granted.)";
    }

    /** After sish's {@link #noForwards()} under auto-close=true. */
    static String noForwardsOpen() {
        return "(No forwards are open.)";
    }

    /** A second session channel or exec (sish crashes there). */
    static String sessionAlreadyOpen() {
        return "This connection already has a session; its options stay as they were.";
    }

    /** To the older connection whose tunnel a newer one of the same key took. */
    static String tunnelTakenOver(String host) {
        return "Your tunnel " + host + " was taken over by a new connection with the same key.";
    }

    /** @param why how it ended, e.g. "closed by an administrator" */
    static String tunnelClosed(String host, String why) {
        return "Your tunnel " + host + " was " + why + ".";
    }

    /** A command word without '=' ({@code ssh host plainword}); sish ignores it silently. */
    static String commandWithoutValue(String word) {
        return "Unknown command '" + word + "': commands are key=value, e.g. deadline=15m.";
    }

    static String unknownCommand(String key, List<String> known) {
        return "Unknown command '" + key + "' ignored. Known: " + String.join(", ", known) + ".";
    }

    static String needsBoolean(String key, String value) {
        return "Command " + key + " needs true or false, got '" + value + "'.";
    }

    static String badDeadline(String value) {
        return "Command deadline: '" + value
                + "' is not a time (examples: deadline=15m, deadline=1741614000, deadline=2025-03-10T15:19:22Z).";
    }

    // ------------------------------------------------------------------ --log-to-client

    /** @param from the client's address, for an alias user also " (SHA256:…)"; @param to the listener or alias */
    static String acceptedConnection(String from, String to) {
        return "Accepted connection from " + from + " -> " + to;
    }

    /**
     * An address as Go's {@code net.TCPAddr.String()} prints it: {@code 127.0.0.1:4000}, {@code [::1]:4000}
     * (IPv6 compressed as RFC 5952, as Go's {@code net.IP.String()}), a zone after {@code %}.
     */
    static String goAddress(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            return a.getHostString() + ":" + a.getPort();
        }
        if (!(ip instanceof Inet6Address v6)) {
            return ip.getHostAddress() + ":" + a.getPort();
        }
        byte[] b = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 1 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        if (v6.getScopedInterface() != null) {
            s.append('%').append(v6.getScopedInterface().getName());
        } else if (v6.getScopeId() != 0) {
            s.append('%').append(v6.getScopeId());
        }
        return s.append("]:").append(a.getPort()).toString();
    }
}
