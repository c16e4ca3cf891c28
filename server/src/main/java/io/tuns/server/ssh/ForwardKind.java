package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.HttpBinding;

/** sish's rule for what a {@code tcpip-forward} becomes (research/sish.md §1.1), with tuns' SNI refinement. */
enum ForwardKind {
    HTTP, HTTPS, TCP, ALIAS, SNI;

    /**
     * The flags the rule reads. {@code httpPort}/{@code httpsPort}: the extra requested port that counts as HTTP(S)
     * besides 80/443: {@code --http(s)-request-port-override}, else {@code --http(s)-port-override} (sish reads the
     * printed port as an HTTP port too), 0 for none.
     */
    record Settings(int httpPort, int httpsPort, boolean tcpAliases, boolean sniProxy) {

        static Settings of(ServerConfig cfg) {
            return new Settings(
                    cfg.httpRequestPortOverride() > 0 ? cfg.httpRequestPortOverride() : cfg.httpPortOverride(),
                    cfg.httpsRequestPortOverride() > 0 ? cfg.httpsRequestPortOverride() : cfg.httpsPortOverride(),
                    cfg.tcpAliases(), cfg.sniProxy());
        }

        boolean isHttp(int port) {
            return port == 80 || (httpPort > 0 && port == httpPort);
        }

        boolean isHttps(int port) {
            return port == 443 || (httpsPort > 0 && port == httpsPort);
        }
    }

    /**
     * {@code tcp-alias=true} makes an alias of any named forward. {@code sni-proxy=true} makes a TLS-routed listener
     * of a named forward on any port but the HTTP one (no ClientHello arrives on plain HTTP); an address (localhost,
     * an IP, empty) has no name to route by and stays TCP. Then: HTTP ports, HTTPS ports, addresses → TCP, names →
     * aliases.
     */
    static ForwardKind of(String bindAddress, int port, SessionOptions options, Settings s) {
        String addr = HttpBinding.hostPart(bindAddress);
        boolean named = !addr.isEmpty() && !addr.equals("*") && !isAddress(addr);
        if (options.flag("tcp-alias") && s.tcpAliases() && named) {
            return ALIAS;
        }
        if (options.flag("sni-proxy") && s.sniProxy() && port != 0 && named && !s.isHttp(port)) {
            return SNI;
        }
        if (s.isHttp(port)) {
            return HTTP;
        }
        if (s.isHttps(port)) {
            return HTTPS; // an HTTP tunnel whose service speaks TLS
        }
        // sish makes an empty bind host an alias; tuns reads -R :PORT and -R '*:PORT' as "bind everywhere"
        return named ? ALIAS : TCP;
    }

    private static boolean isAddress(String addr) {
        return addr.equals("localhost") || addr.contains(":") || addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
