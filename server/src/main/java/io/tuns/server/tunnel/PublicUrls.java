package io.tuns.server.tunnel;

import java.util.Optional;

/**
 * How users reach a tunnel from outside: the scheme, host and the port people type (the bound HTTP/HTTPS port,
 * or {@code --http-port-override} / {@code --https-port-override} when a proxy or NAT sits in front). Default
 * ports are left out.
 */
public final class PublicUrls {

    /** No HTTPS listener. */
    public static final int NO_HTTPS = 0;

    /** OpenSSH's default: the ssh command leaves {@code -p} out. */
    public static final int DEFAULT_SSH_PORT = 22;

    private final int httpPort;
    private final int httpsPort;
    private final boolean httpShown;
    private final int sshPort;

    public PublicUrls(int httpPort) {
        this(httpPort, NO_HTTPS);
    }

    /** @param httpsPort {@link #NO_HTTPS} when {@code --https} is off */
    public PublicUrls(int httpPort, int httpsPort) {
        this(httpPort, httpsPort, true);
    }

    private PublicUrls(int httpPort, int httpsPort, boolean httpShown) {
        this(httpPort, httpsPort, httpShown, DEFAULT_SSH_PORT);
    }

    private PublicUrls(int httpPort, int httpsPort, boolean httpShown, int sshPort) {
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
        this.httpShown = httpShown;
        this.sshPort = sshPort;
    }

    /** The same URLs, with the ssh port users connect to (known once the ssh listener is bound). */
    public PublicUrls withSshPort(int port) {
        return new PublicUrls(httpPort, httpsPort, httpShown, port);
    }

    /** The command that opens an HTTP tunnel to a local port 3000 on this server, as a new user would type it. */
    public String sshCommand(String domain) {
        return "ssh " + (sshPort == DEFAULT_SSH_PORT ? "" : "-p " + sshPort + " ") + "-R myapp:80:localhost:3000 "
                + domain;
    }

    /**
     * {@code --proxy-ssl-termination}: a proxy in front terminates TLS on {@code httpsPort} and speaks plain HTTP
     * to us, so users are only shown https URLs.
     */
    public static PublicUrls behindTlsProxy(int httpPort, int httpsPort) {
        return new PublicUrls(httpPort, httpsPort, false);
    }

    /** Whether users are shown plain http URLs (not behind a TLS-terminating proxy). */
    public boolean showsHttp() {
        return httpShown;
    }

    /** The HTTPS port users type, {@link #NO_HTTPS} when HTTPS is off. */
    public int httpsPort() {
        return httpsPort;
    }

    public String http(String host) {
        return "http://" + host + (httpPort == 80 ? "" : ":" + httpPort);
    }

    /** The https URL, when the server has an HTTPS listener. */
    public Optional<String> https(String host) {
        return httpsPort == NO_HTTPS ? Optional.empty()
                : Optional.of("https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort));
    }

    /** Where the admin console is, with a placeholder for its token (which is never printed). */
    public String adminConsole(String domain) {
        return https(domain).orElseGet(() -> http(domain)) + "/_sish/console?x-authorization=<--admin-console-token>";
    }

    /** As sish does, the console link uses https when HTTPS is on. */
    public String console(String host, String token) {
        return https(host).orElseGet(() -> http(host)) + "/_sish/console?x-authorization=" + token;
    }
}
