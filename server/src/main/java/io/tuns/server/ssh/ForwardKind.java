package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;

/** sish's rule for what a {@code tcpip-forward} becomes (research/sish.md §1.1). */
enum ForwardKind {
    HTTP, HTTPS, TCP, ALIAS, SNI;

    static ForwardKind of(String bindAddress, int port, SessionOptions options, ServerConfig cfg) {
        String addr = io.tuns.server.tunnel.HttpBinding.hostPart(bindAddress);
        if (options.flag("tcp-alias") && cfg.tcpAliases() && !addr.isEmpty() && !isAddress(addr)) {
            return ALIAS;
        }
        if (options.flag("sni-proxy") && cfg.sniProxy() && port != 0) {
            return SNI;
        }
        if (port == 80 || (cfg.httpRequestPortOverride() > 0 && port == cfg.httpRequestPortOverride())) {
            return HTTP;
        }
        if (port == 443 || (cfg.httpsRequestPortOverride() > 0 && port == cfg.httpsRequestPortOverride())) {
            return HTTPS; // an HTTP tunnel whose service speaks TLS
        }
        // sish makes an empty bind host an alias; tuns reads -R :PORT and -R '*:PORT' as "bind everywhere"
        if (isAddress(addr) || addr.isEmpty() || addr.equals("*")) {
            return TCP;
        }
        return ALIAS;
    }

    private static boolean isAddress(String addr) {
        return addr.equals("localhost") || addr.contains(":") || addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }
}
