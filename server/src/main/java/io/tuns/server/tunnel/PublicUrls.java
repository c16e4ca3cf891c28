package io.tuns.server.tunnel;

/**
 * How users reach a tunnel from outside: the scheme, host and the port people type (the bound HTTP port,
 * or {@code --http-port-override} when a proxy or NAT sits in front). Default ports are left out.
 */
public final class PublicUrls {

    private final int httpPort;

    public PublicUrls(int httpPort) {
        this.httpPort = httpPort;
    }

    public String http(String host) {
        return "http://" + host + (httpPort == 80 ? "" : ":" + httpPort);
    }

    public String console(String host, String token) {
        return http(host) + "/_sish/console?x-authorization=" + token;
    }
}
