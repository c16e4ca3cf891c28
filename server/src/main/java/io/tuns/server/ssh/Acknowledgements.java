package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        String asked = options.get("proxy-protocol") != null ? options.get("proxy-protocol") : options.get("proxyproto");
        if (!s.proxyProtocol() || asked == null) {
            return 0;
        }
        String v = s.proxyProtocolVersion().equals("userdefined") ? asked : s.proxyProtocolVersion();
        return v.equals("2") ? 2 : 1;
    }

    List<String> lines(SessionOptions options) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : options.values().entrySet()) {
            out.add(line(e.getKey(), e.getValue(), options));
        }
        return out;
    }

    private String line(String key, String value, SessionOptions options) {
        return switch (key) {
            case "deadline" -> "Deadline for connection set to: " + value;
            case "auto-close" -> "Auto close for connection set to: " + value;
            case "local-forward" -> "Local forward for connection set to: " + value;
            case "sni-proxy" -> s.sniProxy() ? set(key, value) : disabled(key, "--sni-proxy=false");
            case "tcp-alias" -> s.tcpAliases() ? set(key, value) : disabled(key, "--tcp-aliases=false");
            case "tcp-aliases-allowed-users" -> s.tcpAliasesAllowedUsers() ? set(key, value)
                    : disabled(key, "--tcp-aliases-allowed-users=false");
            case "force-https" -> s.forceHttps() ? set(key, value) : disabled(key, "--force-https=false");
            case "host-header" -> s.rewriteHostHeader() ? set(key, value) : disabled(key, "--rewrite-host-header=false");
            case "strip-path" -> s.stripHttpPath() ? set(key, value) : disabled(key, "--strip-http-path=false");
            case "tcp-address" -> s.forceTcpAddress() ? disabled(key, "--force-tcp-address") : set(key, value);
            case "proxy-protocol", "proxyproto" -> proxyProtocol(key, value, options);
            default -> set(key, value);
        };
    }

    private String proxyProtocol(String key, String value, SessionOptions options) {
        if (!s.proxyProtocol()) {
            return disabled(key, "--proxy-protocol=false");
        }
        String sent = String.valueOf(proxyProtocolVersion(options));
        return sent.equals(value) ? set(key, value)
                : set(key, sent) + " (this server sends version " + sent + ": --proxy-protocol-version="
                + s.proxyProtocolVersion() + ")";
    }

    private static String set(String key, String value) {
        return key + " for connection set to: " + value;
    }

    private static String disabled(String key, String flag) {
        return key + " is disabled on this server (" + flag + "); ignored.";
    }
}
