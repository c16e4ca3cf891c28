package io.tuns.server.tls;

/**
 * Where {@code --force-all-https} sends a plain-HTTP request: the same host and path on the HTTPS port people use
 * ({@code --https-port-override}, else the bound port), with :443 left out.
 */
public final class HttpsRedirect {

    private final java.util.function.IntSupplier httpsPort;

    public HttpsRedirect(java.util.function.IntSupplier httpsPort) {
        this.httpsPort = httpsPort;
    }

    /**
     * @param host the request's host without port, lower case
     * @param uri  the request target as received (origin form, or absolute form from a proxy client)
     */
    public String location(String host, String uri) {
        int port = httpsPort.getAsInt();
        String path = uri;
        if (!path.startsWith("/")) {
            // absolute form "http://host:port/path": keep only the path and query
            int scheme = path.indexOf("://");
            int slash = scheme < 0 ? -1 : path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host; // an IPv6 literal needs brackets in a URL
        return "https://" + h + (port == 443 ? "" : ":" + port) + path;
    }
}
