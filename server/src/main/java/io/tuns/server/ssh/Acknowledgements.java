package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The lines that answer a user's session commands ({@code ssh host sni-proxy=true proxy-protocol=2}), saying what
 * the server will really do: a command the server has disabled is answered as ignored with the flag that disables
 * it, and {@code proxy-protocol=} is answered with the version that will actually be sent.
 */
final class Acknowledgements {

    /** The server flags that decide whether and how a command applies. */
    record Settings(boolean sniProxy, boolean tcpAliases, boolean tcpAliasesAllowedUsers, boolean proxyProtocol,
                    String proxyProtocolVersion, boolean forceHttps, boolean rewriteHostHeader,
                    boolean stripHttpPath, boolean forceTcpAddress) {

        static Settings of(ServerConfig cfg) {
            return new Settings(cfg.sniProxy(), cfg.tcpAliases(), cfg.tcpAliasesAllowedUsers(), cfg.proxyProtocol(),
                    cfg.proxyProtocolVersion(), cfg.forceHttps(), cfg.rewriteHostHeader(), cfg.stripHttpPath(),
                    cfg.forceTcpAddress());
        }
    }

    private final Settings s;

    Acknowledgements(Settings settings) {
        this.s = settings;
    }

    /**
     * sish: the server's {@code --proxy-protocol-version} unless it is "userdefined", then the user's 1 or 2;
     * 0 when the server or the user has it off.
     */
    int proxyProtocolVersion(SessionOptions options) {
        String asked = null;
        for (SessionOptions.Command c : options.commands()) { // the last of proxy-protocol= and proxyproto= wins
            if (c.key().equals("proxy-protocol") || c.key().equals("proxyproto")) {
                asked = c.value();
            }
        }
        return proxyProtocolVersion(asked);
    }

    private int proxyProtocolVersion(String asked) {
        if (!s.proxyProtocol() || asked == null) {
            return 0;
        }
        String v = s.proxyProtocolVersion().equals("userdefined") ? asked : s.proxyProtocolVersion();
        return switch (v) { // sish getProxyProtoVersion: anything else is 0, no header
            case "1" -> 1;
            case "2" -> 2;
            default -> 0;
        };
    }

    /**
     * sish's answers in command order, one per command given (a repeated command is answered again, with its own
     * value, as sish does), then tuns' notice once for each command this server has disabled (sish is silent
     * there; the notice says which flag to ask the operator about).
     *
     * @param ownFingerprint the connection's key fingerprint, or null without a key
     */
    List<String> lines(SessionOptions options, String ownFingerprint, Instant now) {
        List<String> out = new ArrayList<>();
        Set<String> notices = new LinkedHashSet<>();
        for (SessionOptions.Command c : options.commands()) {
            String key = c.key();
            String flag = disablingFlag(key);
            if (flag != null) {
                notices.add(disabled(key, flag));
                continue;
            }
            String line = line(key, c.value(), ownFingerprint, now);
            if (line != null) {
                out.add(line);
            }
        }
        out.addAll(notices);
        return out;
    }

    /** The server flag that makes sish ignore this command, or null when the command applies. */
    private String disablingFlag(String key) {
        return switch (key) {
            case "sni-proxy" -> s.sniProxy() ? null : "--sni-proxy=false";
            case "tcp-alias" -> s.tcpAliases() ? null : "--tcp-aliases=false";
            case "tcp-aliases-allowed-users" -> s.tcpAliasesAllowedUsers() ? null : "--tcp-aliases-allowed-users=false";
            case "force-https" -> s.forceHttps() ? null : "--force-https=false";
            case "host-header" -> s.rewriteHostHeader() ? null : "--rewrite-host-header=false";
            case "strip-path" -> s.stripHttpPath() ? null : "--strip-http-path=false";
            case "tcp-address" -> s.forceTcpAddress() ? "--force-tcp-address" : null;
            case "proxy-protocol", "proxyproto" -> s.proxyProtocol() ? null : "--proxy-protocol=false";
            default -> null;
        };
    }

    /** sish's line for an applied command (channels.go handleSession), or null where sish says nothing. */
    private String line(String key, String value, String ownFingerprint, Instant now) {
        return switch (key) {
            case "proxy-protocol", "proxyproto" -> {
                int v = proxyProtocolVersion(value);
                yield v == 0 ? null : SessionText.proxyProtocol(v);
            }
            case "host-header" -> SessionText.hostHeader(value);
            case "strip-path" -> SessionText.stripPath(isTrue(value));
            case "sni-proxy" -> SessionText.sniProxy(isTrue(value));
            case "tcp-address" -> SessionText.tcpAddress(value);
            case "tcp-alias" -> SessionText.tcpAlias(isTrue(value));
            case "auto-close" -> SessionText.autoClose(isTrue(value));
            case "force-https" -> SessionText.forceHttps(isTrue(value));
            case "local-forward" -> SessionText.localForward(isTrue(value));
            case "tcp-aliases-allowed-users" -> SessionText.allowedAliasUsers(allowedUsers(value, ownFingerprint));
            case "deadline" -> SessionText.deadline(SessionOptions.parseDeadline(value, now));
            default -> null;
        };
    }

    /** As sish prints them: the connection's own key first, marked "(self)", then the list, each trimmed. */
    private static List<String> allowedUsers(String value, String ownFingerprint) {
        List<String> shown = new ArrayList<>();
        if (ownFingerprint != null && !ownFingerprint.isEmpty()) {
            shown.add(ownFingerprint + " (self)");
        }
        for (String fp : value.split(",", -1)) {
            shown.add(fp.trim());
        }
        return shown;
    }

    private static boolean isTrue(String value) {
        return Boolean.TRUE.equals(SessionOptions.parseBool(value));
    }

    private static String disabled(String key, String flag) {
        return key + " is disabled on this server (" + flag + "); ignored.";
    }
}
