package io.tuns.server.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every flag's default and one-line help, keyed by flag name (without dashes), in {@link ServerConfig}
 * component order. One table, so the help, the parser and the tests read the same values.
 */
final class Defaults {

    private Defaults() {
    }

    record Entry(String value, String help) {
    }

    static final Map<String, Entry> TABLE = new LinkedHashMap<>();

    private static void d(String flag, String value, String help) {
        TABLE.put(flag, new Entry(value, help));
    }

    static {
        d("ssh-address", "localhost:2222", "Address the SSH server listens on");
        d("http-address", "localhost:8080", "Address the HTTP server listens on");
        d("https-address", "localhost:8443", "Address the HTTPS server listens on");
        d("https", "false", "Serve HTTPS");
        d("domain", "localhost", "Root domain tunnels are named under");
        d("redirect-root", "true", "Redirect (or answer) requests to the bare domain");
        d("redirect-root-location", "", "Where the bare domain redirects; empty shows a short tuns page");
        d("http-port-override", "0", "HTTP port printed to users instead of the bound one (0 = bound)");
        d("https-port-override", "0", "HTTPS port printed to users (0 = bound)");
        d("http-request-port-override", "0", "Extra requested -R port that counts as HTTP (0 = only 80)");
        d("https-request-port-override", "0", "Extra requested -R port that counts as HTTPS (0 = only 443)");
        d("tcp-address", "", "Address TCP forwards bind on");
        d("localhost-as-all", "true", "Treat a TCP bind of localhost as --tcp-address");
        d("force-tcp-address", "false", "Ignore the client's TCP bind address");
        d("port-bind-range", "0,1024-65535", "Ports TCP forwards may bind");
        d("bind-random-subdomains", "false", "Ignore requested names, always give a random one (sish default: true)");
        d("bind-random-subdomains-length", "3", "Length of random subdomains");
        d("bind-random-aliases", "true", "Always give random alias names");
        d("bind-random-aliases-length", "3", "Length of random aliases");
        d("bind-random-ports", "true", "Always give random TCP ports");
        d("force-requested-subdomains", "false", "Fail a forward whose requested name is taken instead of assigning a random one");
        d("force-requested-aliases", "false", "Fail a forward whose requested alias is taken");
        d("force-requested-ports", "false", "Fail a forward whose requested port is taken");
        d("banned-subdomains", "localhost", "Subdomains nobody may bind (comma-separated)");
        d("banned-aliases", "", "Aliases nobody may bind (comma-separated)");
        d("append-user-to-subdomain", "false", "Append the ssh user name to subdomains");
        d("append-user-to-subdomain-separator", "-", "Separator for --append-user-to-subdomain");
        d("bind-any-host", "false", "Allow binding any host name");
        d("bind-hosts", "", "Host names users may bind one label below (comma-separated)");
        d("bind-root-domain", "false", "Allow binding the root domain");
        d("bind-wildcards", "false", "Allow wildcard names");
        d("bind-http-auth", "true", "Allow user:pass@name basic-auth tunnels");
        d("bind-http-path", "true", "Allow name/path tunnels");
        d("strip-http-path", "true", "Strip the bound path before forwarding");
        d("rewrite-host-header", "true", "Allow host-header= rewriting");
        d("verify-dns", "true", "Require a _sish TXT record for custom domains");
        d("authentication", "true", "Require SSH authentication");
        d("authentication-keys-directory", "deploy/pubkeys", "Directory of authorized_keys files (re-read on change)");
        d("authentication-keys-directory-watch-interval", "200ms", "How often the key directory is checked");
        d("authentication-password", "", "Shared SSH password (empty = password auth off)");
        d("authentication-key-request-url", "", "URL that approves public keys (POST JSON)");
        d("authentication-key-request-timeout", "5s", "Timeout of the key approval URL");
        d("authentication-password-request-url", "", "URL that approves passwords (POST JSON)");
        d("authentication-password-request-timeout", "5s", "Timeout of the password approval URL");
        d("private-keys-directory", "deploy/keys", "Directory of SSH host keys (one is generated if empty)");
        d("private-key-passphrase", "S3Cr3tP4$$phrAsE", "Passphrase of the generated host key");
        d("https-certificate-directory", "deploy/ssl", "Directory of name.crt/name.key pairs");
        d("https-certificate-directory-watch-interval", "200ms", "How often the certificate directory is checked");
        d("https-ondemand-certificate", "false", "Get certificates from ACME on demand");
        d("https-ondemand-certificate-accept-terms", "false", "Accept the ACME CA's terms");
        d("https-ondemand-certificate-email", "", "Contact e-mail for ACME");
        d("force-all-https", "false", "Redirect all HTTP requests to HTTPS");
        d("force-https", "false", "Let tunnels ask for force-https=true");
        d("proxy-ssl-termination", "false", "TLS is terminated by a proxy in front of tuns");
        d("verify-ssl", "true", "Verify TLS of backends on 443-type tunnels");
        d("tcp-aliases", "false", "Allow tcp-alias=true on HTTP ports");
        d("tcp-aliases-allowed-users", "false", "Restrict aliases to listed key fingerprints");
        d("http-load-balancer", "false", "Load-balance HTTP tunnels sharing a name");
        d("tcp-load-balancer", "false", "Load-balance TCP tunnels sharing a port");
        d("alias-load-balancer", "false", "Load-balance aliases sharing a name");
        d("sni-load-balancer", "false", "Load-balance SNI tunnels sharing a name");
        d("sni-proxy", "false", "Allow sni-proxy=true TLS passthrough");
        d("sni-proxy-https", "false", "Share the HTTPS port with SNI passthrough");
        d("proxy-protocol", "false", "Allow proxy-protocol= towards TCP backends");
        d("proxy-protocol-version", "1", "PROXY protocol version: 1, 2 or userdefined");
        d("proxy-protocol-listener", "false", "Accept PROXY protocol headers on listeners");
        d("proxy-protocol-policy", "use", "PROXY header policy: use, ignore, reject or require");
        d("proxy-protocol-use-timeout", "false", "Time out waiting for a PROXY header");
        d("proxy-protocol-timeout", "200ms", "How long to wait for a PROXY header");
        d("admin-console", "false", "Serve the admin console on the root domain");
        d("admin-console-token", "", "Token for the admin console and metrics");
        d("service-console", "false", "Serve a console per tunnel");
        d("service-console-token", "", "One token for all service consoles (empty = random per tunnel)");
        d("service-console-max-content-length", "64KiB", "Bytes kept per captured body (-1 = only the global budget, 0 = no bodies)");
        d("inspect-max-total-bytes", "64MiB", "All captured bytes together, never exceeded");
        d("inspect-max-exchanges-per-tunnel", "100", "Captured exchanges kept per tunnel");
        d("inspect-max-bytes-per-tunnel", "8MiB", "Captured bytes kept per tunnel");
        d("inspect-max-rendered-bytes", "1MiB", "Most bytes a decoded body shows a viewer");
        d("inspect-redact-headers", "authorization,cookie,set-cookie,proxy-authorization", "Headers captured as [redacted]");
        d("inspect-always", "false", "Capture bodies even when no viewer is attached");
        d("console-max-viewers-per-tunnel", "8", "Live console viewers per tunnel");
        d("console-max-viewers", "256", "Live console viewers in total");
        d("idle-connection", "false", "Close proxied connections idle for --idle-connection-timeout (sish default: true)");
        d("idle-connection-timeout", "5s", "Idle time before a proxied connection is closed");
        d("ping-client", "true", "Send keepalives to ssh clients and drop dead ones");
        d("ping-client-interval", "5s", "Keepalive interval");
        d("ping-client-timeout", "5s", "How long past the interval a client may stay silent");
        d("cleanup-unauthed", "true", "Drop connections that do not authenticate in time");
        d("cleanup-unauthed-timeout", "5s", "Time allowed to authenticate");
        d("cleanup-unbound", "false", "Drop connections that request no forward in time");
        d("cleanup-unbound-timeout", "5s", "Time allowed to request a forward");
        d("banned-ips", "", "Client IPs/CIDRs refused (comma-separated)");
        d("whitelisted-ips", "", "Only these client IPs/CIDRs are allowed (comma-separated)");
        d("banned-countries", "", "Country codes refused");
        d("whitelisted-countries", "", "Only these country codes are allowed");
        d("geodb", "false", "Use the country database");
        d("log-to-client", "false", "Send request logs to the ssh session");
        d("time-format", "2006/01/02 - 15:04:05", "Time format of logs sent to clients");
        d("debug", "false", "Debug logging");
        d("welcome-message", "Press Ctrl-C to close the session.", "First line shown in the ssh session");
        d("max-forwarded-channels", "4096", "Tunnel connections open at once, all tunnels together (503 beyond)");
        d("max-channels-per-connection", "256", "Tunnel connections open at once per ssh connection");
        d("max-forwards-per-connection", "64", "Forwards one ssh connection may hold");
        d("ssh-window-size", "1MiB", "SSH window per tunnel connection: bytes in flight towards a client");
        d("ssh-write-high-water", "256KiB", "Bytes queued towards SSH before reading from the client pauses");
        d("ssh-write-low-water", "64KiB", "Queued bytes below which reading resumes");
        d("channel-open-timeout", "10s", "Time the ssh client has to open a tunnel connection (504 beyond)");
        d("http-max-initial-line-length", "8192", "Longest HTTP request line (414 beyond)");
        d("http-max-header-size", "32768", "Largest HTTP request head (431 beyond)");
        d("http-header-timeout", "30s", "Time a client has to send a request head");
        d("session-message-queue", "100", "Lines queued to an ssh session before new ones are dropped");
        d("forward-options-wait", "1s", "How long a forward waits for the command line's options");
        d("metrics-address", "", "Also serve /metrics on this address");
        d("metrics-user-labels", "true", "Label metrics with ssh user names");
    }
}
