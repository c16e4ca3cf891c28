package io.tuns.server.tunnel;

/**
 * How one tunnel is reached and rewritten, from its bind address ({@code user:pass@name/path}) and the
 * connection's commands ({@code host-header=}, {@code strip-path=}, {@code force-https=}, {@code proxy-protocol=}).
 *
 * @param path          bound path prefix, "" or "/api" (longest prefix wins, on segment boundaries)
 * @param user          basic-auth user, or null when the tunnel is open
 * @param password      basic-auth password
 * @param hostHeader    Host to send to the service instead of the public one, or null
 * @param stripPath     remove {@code path} before forwarding
 * @param forceHttps    redirect plain HTTP to HTTPS
 * @param proxyProtocol PROXY protocol version to prepend on TCP connections, 0 = none
 * @param backendTls    the service speaks TLS ({@code -R name:443:…}): requests go to it inside a TLS session
 */
public record TunnelOptions(String path, String user, String password, String hostHeader, boolean stripPath,
                            boolean forceHttps, int proxyProtocol, boolean backendTls) {

    public static final TunnelOptions NONE = new TunnelOptions("", null, null, null, true, false, 0);

    public TunnelOptions(String path, String user, String password, String hostHeader, boolean stripPath,
                         boolean forceHttps, int proxyProtocol) {
        this(path, user, password, hostHeader, stripPath, forceHttps, proxyProtocol, false);
    }

    public TunnelOptions withBackendTls() {
        return new TunnelOptions(path, user, password, hostHeader, stripPath, forceHttps, proxyProtocol, true);
    }

    public boolean needsAuth() {
        return user != null;
    }
}
