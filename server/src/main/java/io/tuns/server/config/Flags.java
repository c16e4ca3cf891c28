package io.tuns.server.config;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of every flag: default, help line and help section, in {@link ServerConfig} component order. One
 * table, so the parser, {@code --help}, the YAML key check and the tests read the same values. Component types
 * come from the record itself, so a flag cannot drift from what the server receives.
 */
final class Flags {

    static final List<Flag> ALL;
    private static final Map<String, Flag> BY_NAME;

    private static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("ssh-address", "-a"), Map.entry("http-address", "-i"), Map.entry("https-address", "-t"),
            Map.entry("domain", "-d"), Map.entry("redirect-root-location", "-r"), Map.entry("port-bind-range", "-n"),
            Map.entry("banned-subdomains", "-b"), Map.entry("authentication-keys-directory", "-k"),
            Map.entry("authentication-password", "-u"), Map.entry("private-keys-directory", "-l"),
            Map.entry("private-key-passphrase", "-p"), Map.entry("https-certificate-directory", "-s"),
            Map.entry("proxy-protocol-version", "-q"), Map.entry("admin-console-token", "-j"),
            Map.entry("service-console-token", "-m"), Map.entry("banned-ips", "-x"),
            Map.entry("whitelisted-ips", "-w"), Map.entry("banned-countries", "-o"),
            Map.entry("whitelisted-countries", "-y"));

    private Flags() {
    }

    static Optional<Flag> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    static Flag get(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("no flag --" + name));
    }

    /** {@code sshAddress} → {@code ssh-address}. */
    static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    /** Collects the table in declaration order; the section is whatever was declared last. */
    private static final class Table {
        private final Map<String, Class<?>> componentTypes = new LinkedHashMap<>();
        private final List<Flag> flags = new ArrayList<>();
        private String section = "";

        Table() {
            for (RecordComponent rc : ServerConfig.class.getRecordComponents()) {
                componentTypes.put(kebab(rc.getName()), rc.getType());
            }
            componentTypes.remove("warnings"); // computed by the loader, not a flag
        }

        void section(String heading) {
            section = heading;
        }

        void d(String name, String value, String help) {
            Class<?> type = componentTypes.get(name);
            if (type == null) {
                throw new IllegalStateException("--" + name + " is not a ServerConfig component");
            }
            flags.add(new Flag(name, SHORT_NAMES.get(name), type, value, help, section, true));
        }

        /** A sish flag with no tuns component: parsed and checked so sish configs load, then warned about. */
        void sishOnly(String name, Class<?> type, String value, String help) {
            flags.add(new Flag(name, null, type, value, help, section, false));
        }

        List<Flag> build() {
            List<String> missing = new ArrayList<>(componentTypes.keySet());
            flags.forEach(f -> missing.remove(f.name()));
            if (!missing.isEmpty()) {
                throw new IllegalStateException("ServerConfig components without a flag: " + missing);
            }
            return Collections.unmodifiableList(flags);
        }
    }

    static {
        Table t = new Table();
        t.section("Listeners and addresses");
        t.d("ssh-address", "localhost:2222", "Address the SSH server listens on");
        t.d("http-address", "localhost:8080", "Address the HTTP server listens on (sish: localhost:80)");
        t.d("https-address", "localhost:8443", "Address the HTTPS server listens on (sish: localhost:443)");
        t.d("https", "false", "Serve HTTPS");
        t.d("domain", "localhost", "Root domain tunnels are named under");
        t.d("redirect-root", "true", "Redirect (or answer) requests to the bare domain");
        t.d("redirect-root-location", "", "Where the bare domain redirects; empty shows a short tuns page");
        t.d("http-port-override", "0", "HTTP port printed to users instead of the bound one (0 = bound)");
        t.d("https-port-override", "0", "HTTPS port printed to users (0 = bound)");
        t.d("http-request-port-override", "0", "Extra requested -R port that counts as HTTP (0 = only 80)");
        t.d("https-request-port-override", "0", "Extra requested -R port that counts as HTTPS (0 = only 443)");
        t.d("tcp-address", "", "Address TCP forwards bind on");
        t.d("localhost-as-all", "true", "Treat a TCP bind of localhost as --tcp-address");
        t.d("force-tcp-address", "false", "Ignore the client's TCP bind address");
        t.d("port-bind-range", "0,1024-65535", "Ports TCP forwards may bind (comma-separated ports and ranges)");

        t.section("Naming and binding");
        t.d("bind-random-subdomains", "false", "Ignore requested names, always give a random one (sish default: true)");
        t.d("bind-random-subdomains-length", "3", "Length of random subdomains");
        t.d("bind-random-aliases", "false", "Always give random alias names (sish default: true)");
        t.d("bind-random-aliases-length", "3", "Length of random aliases");
        t.d("bind-random-ports", "false", "Always give random TCP ports (sish default: true)");
        t.d("force-requested-subdomains", "false", "Fail a forward whose requested name is taken instead of assigning a random one");
        t.d("force-requested-aliases", "false", "Fail a forward whose requested alias is taken");
        t.d("force-requested-ports", "false", "Fail a forward whose requested port is taken");
        t.d("banned-subdomains", "localhost", "Subdomains nobody may bind (comma-separated)");
        t.d("banned-aliases", "", "Aliases nobody may bind (comma-separated)");
        t.d("append-user-to-subdomain", "false", "Append the ssh user name to subdomains");
        t.d("append-user-to-subdomain-separator", "-", "Separator for --append-user-to-subdomain");
        t.d("bind-any-host", "false", "Allow binding any host name");
        t.d("bind-hosts", "", "Host names users may bind one label below (comma-separated)");
        t.d("bind-root-domain", "false", "Allow binding the root domain");
        t.d("bind-wildcards", "false", "Allow wildcard names");
        t.d("bind-http-auth", "true", "Allow user:pass@name basic-auth tunnels");
        t.d("bind-http-path", "true", "Allow name/path tunnels");
        t.d("strip-http-path", "true", "Strip the bound path before forwarding");
        t.d("rewrite-host-header", "true", "Allow host-header= rewriting");
        t.d("verify-dns", "true", "Let a key bind a custom domain whose _sish.<domain> TXT record is its SHA256 fingerprint");
        t.d("share-names-across-keys", "false", "Let other keys join a load-balanced name and bind names under another key's name (sish's behaviour); a path under another key's host is never given");

        t.section("Authentication");
        t.d("authentication", "true", "Require SSH authentication");
        t.d("authentication-keys-directory", "deploy/pubkeys", "Directory of authorized_keys files (re-read on change)");
        t.d("authentication-keys-directory-watch-interval", "200ms", "How often the key directory is checked");
        t.d("authentication-password", "", "Shared SSH password (empty = password auth off)");
        t.d("authentication-key-request-url", "", "URL that approves public keys (POST JSON)");
        t.d("authentication-key-request-timeout", "5s", "Timeout of the key approval URL");
        t.d("authentication-password-request-url", "", "URL that approves passwords (POST JSON)");
        t.d("authentication-password-request-timeout", "5s", "Timeout of the password approval URL");
        t.d("private-keys-directory", "deploy/keys", "Directory of SSH host keys (one is generated if empty)");
        t.d("private-key-passphrase", "S3Cr3tP4$$phrAsE", "Passphrase of the generated host key");

        t.section("HTTPS and certificates");
        t.d("https-certificate-directory", "deploy/ssl", "Directory of name.crt/name.key pairs");
        t.d("https-certificate-directory-watch-interval", "200ms", "How often the certificate directory is checked");
        t.d("https-ondemand-certificate", "false", "Get certificates from ACME on demand");
        t.d("https-ondemand-certificate-accept-terms", "false", "Accept the ACME CA's terms");
        t.d("https-ondemand-certificate-email", "", "Contact e-mail for ACME");
        t.d("force-all-https", "false", "Redirect all HTTP requests to HTTPS");
        t.d("force-https", "false", "Let tunnels ask for force-https=true");
        t.d("proxy-ssl-termination", "false", "TLS is terminated by a proxy in front of tuns");
        t.d("verify-ssl", "true", "Verify TLS of backends on 443-type tunnels");
        t.d("https-h2", "true", "Offer HTTP/2 (ALPN h2) on the HTTPS listener: one tunnel exchange per stream, the "
                + "service still gets HTTP/1.1 (tuns; false = HTTP/1.1 only)");

        t.section("TCP, aliases, SNI, load balancing, PROXY protocol");
        t.d("tcp-aliases", "false", "Allow tcp-alias=true on HTTP ports");
        t.d("tcp-aliases-allowed-users", "false", "Restrict aliases to listed key fingerprints");
        t.d("http-load-balancer", "false", "Load-balance HTTP tunnels sharing a name");
        t.d("tcp-load-balancer", "false", "Load-balance TCP tunnels sharing a port");
        t.d("alias-load-balancer", "false", "Load-balance aliases sharing a name");
        t.d("sni-load-balancer", "false", "Load-balance SNI tunnels sharing a name");
        t.d("sni-proxy", "false", "Allow sni-proxy=true TLS passthrough");
        t.d("sni-proxy-https", "false", "Share the HTTPS port with SNI passthrough");
        t.d("proxy-protocol", "false", "Allow proxy-protocol= towards TCP backends");
        t.d("proxy-protocol-version", "1", "PROXY protocol version: 1, 2 or userdefined");
        t.d("proxy-protocol-listener", "false", "Accept PROXY protocol headers on listeners");
        t.d("proxy-protocol-policy", "use", "PROXY header policy: use, ignore, reject or require");
        t.d("proxy-protocol-use-timeout", "false", "Time out waiting for a PROXY header");
        t.d("proxy-protocol-timeout", "200ms", "How long to wait for a PROXY header");

        t.section("Consoles and inspection");
        t.d("admin-console", "false",
                "Serve the admin console at http://<domain>/_sish/console?x-authorization=<admin token>");
        t.d("admin-console-token", "", "Token for the admin console and metrics");
        t.d("service-console", "false", "Serve a console per tunnel");
        t.d("service-console-token", "", "One token for all service consoles (empty = random per tunnel)");
        t.d("service-console-max-content-length", "64KiB",
                "Bytes kept per captured body (-1 = only the global budget, 0 = no bodies; sish: -1)");
        t.d("inspect-max-total-bytes", "64MiB", "All captured bytes together, never exceeded");
        t.d("inspect-max-exchanges-per-tunnel", "100", "Captured exchanges kept per tunnel");
        t.d("inspect-max-bytes-per-tunnel", "8MiB", "Captured bytes kept per tunnel");
        t.d("inspect-max-rendered-bytes", "1MiB", "Most bytes a decoded body shows a viewer");
        t.d("inspect-redact-headers", "authorization,cookie,set-cookie,proxy-authorization", "Headers captured as [redacted]");
        t.d("inspect-always", "true",
                "Capture bodies with --service-console even when no console tab is open (bounded by the budget)");
        t.d("inspect-history-keep", "10m", "How long a tunnel's history and console link outlive a disconnect"
                + " (a reconnect with the same name and key gets them back; 0 = drop at once)");
        t.d("console-max-viewers-per-tunnel", "8", "Live console viewers per tunnel");
        t.d("console-max-viewers", "256", "Live console viewers in total");

        t.section("Timeouts and keepalive");
        t.d("idle-connection", "false", "Close proxied connections idle for --idle-connection-timeout (sish: true)");
        t.d("idle-connection-timeout", "5s", "Idle time before a proxied connection is closed");
        t.d("ping-client", "true", "Send keepalives to ssh clients and drop dead ones");
        t.d("ping-client-interval", "5s", "Keepalive interval");
        t.d("ping-client-timeout", "5s", "How long past the interval a client may stay silent");
        t.d("cleanup-unauthed", "true", "Drop connections that do not authenticate in time");
        t.d("cleanup-unauthed-timeout", "5s", "Time allowed to authenticate");
        t.d("cleanup-unbound", "false", "Drop connections that request no forward in time");
        t.d("cleanup-unbound-timeout", "5s", "Time allowed to request a forward");
        t.d("alias-drain-timeout", "30s", "How long a closed alias connection waits for its queued bytes while none "
                + "move, then is cut (tuns)");

        t.section("IP filtering");
        t.d("banned-ips", "", "Client IPs/CIDRs refused (comma-separated)");
        t.d("whitelisted-ips", "", "Only these client IPs/CIDRs are allowed (comma-separated)");
        t.d("banned-countries", "", "ISO country codes refused (comma-separated)");
        t.d("whitelisted-countries", "", "Only these ISO country codes are allowed (comma-separated)");
        t.d("geodb", "false", "Use the country database");

        t.section("Logging and messages");
        t.d("log-to-client", "false", "Send request logs to the ssh session");
        t.d("log-http-requests", "true", "Log one line per HTTP request in sish's access-log format (logger io.tuns.server.http.access); reloaded from the config file");
        t.d("time-format", "2006/01/02 - 15:04:05", "Time format of request log lines; reloaded from the config file");
        t.d("debug", "false", "Debug logging for tuns and a periodic state dump (no secrets) every --debug-interval; the log level is reloaded from the config file");
        t.d("welcome-message", "Press Ctrl-C to close the session.", "First line shown in the ssh session");

        t.section("Limits (tuns; every bound has a flag)");
        t.d("max-forwarded-channels", "4096", "Tunnel connections open at once, all tunnels together (503 beyond)");
        t.d("max-channels-per-connection", "256", "Tunnel connections open at once per ssh connection");
        t.d("max-forwards-per-connection", "64", "Forwards one ssh connection may hold");
        t.d("ssh-window-size", "1MiB", "SSH window per tunnel connection: bytes in flight towards a client");
        t.d("ssh-write-high-water", "256KiB", "Bytes queued towards SSH before reading from the client pauses");
        t.d("ssh-write-low-water", "64KiB", "Queued bytes below which reading resumes");
        t.d("channel-open-timeout", "10s", "Time the ssh client has to open a tunnel connection (504 beyond)");
        t.d("http-max-initial-line-length", "8192", "Longest HTTP request line in bytes (414 beyond)");
        t.d("http-max-header-size", "32768", "Largest HTTP request head in bytes (431 beyond)");
        t.d("http-header-timeout", "30s", "Time a client has to send a request head");
        t.d("http-body-timeout", "60s", "Longest wait for the next bytes of a request body (408 beyond; nginx's "
                + "client_body_timeout)");
        t.d("http-max-client-share", "50", "Percent of a tunnel's --max-channels-per-connection one client IP may "
                + "hold (429 beyond; 100 = off)");
        t.d("session-message-queue", "100", "Lines queued to an ssh session before new ones are dropped");
        t.d("forward-options-wait", "1s",
                "How long a forward waits for the command line's options (200 ms without a session: ssh -N)");
        t.d("memory-budget", "auto", "Bytes all traffic may hold together (SSH windows, queued writes, capture, "
                + "renders); near it windows shrink, reads pause and new connections get 503. auto = from the heap "
                + "at start, off = no governor, or a size like 64MiB");

        t.section("Metrics");
        t.d("metrics-address", "", "Also serve /metrics on this address");
        t.d("metrics-user-labels", "true", "Label metrics with ssh user names");

        t.section("Limits against abuse (tuns; per client IP on the SSH listener, 0 = off)");
        t.d("max-connections-per-ip", "32", "SSH connections one IP may hold open at once");
        t.d("max-auth-failures-per-ip", "10", "Failed SSH logins from one IP within --auth-failure-window before a ban");
        t.d("auth-failure-window", "10m", "Window in which failed logins are counted");
        t.d("auth-failure-ban", "10m", "How long an IP is refused after too many failed logins");
        t.d("max-startups", "16:30:64", "SSH connections not yet logged in, all IPs (OpenSSH's MaxStartups): beyond "
                + "start a new one is closed at once with rate %% chance, rising to 100 %% at full; N = N:100:N, 0 = off");
        t.d("dns-resolver", "", "DNS server (host:port) for --verify-dns lookups; empty = the system's");
        t.d("ssh-ciphers", ServerConfig.DEFAULT_SSH_CIPHERS, "SSH ciphers offered (comma-separated); AES has JVM "
                + "intrinsics, chacha20-poly1305 is pure Java here; the default offers each client its first one the client "
                + "lists, a list given is offered as it is");
        t.d("debug-interval", "2s", "Interval of the --debug state dump in the log");
        t.d("https-ondemand-certificate-renew-before", "720h",
                "Renew an on-demand certificate when less than this of its validity remains");
        t.d("geodb-path", "", "Country database for --geodb (MaxMind DB format: GeoLite2-Country, DB-IP country lite)");
        t.d("log-to-stdout", "true", "Log to the console (tuns writes its log to stderr)");
        t.d("log-to-file", "false", "Also log to --log-to-file-path, rotated by size and day");
        t.d("log-to-file-path", "/tmp/sish.log", "Log file path");
        t.d("log-to-file-max-size", "500", "Log file size before rotation, MB");
        t.d("log-to-file-max-backups", "3", "Rotated log files kept (at most this many times the size)");
        t.d("log-to-file-max-age", "28", "Days rotated log files are kept");
        t.d("log-to-file-compress", "false", "Compress rotated log files (gzip)");

        t.section("Cluster (tuns; several nodes behind a TCP load balancer share one name space through Redis)");
        t.d("cluster-store", "", "Route store shared by the nodes: redis://host:port or rediss://user:password@host:port"
                + " (Redis 7 or Valkey); empty = a single node, no store");
        t.d("cluster-node-id", "", "This node's unique name in the store (letters, digits, . _ -); needed with --cluster-store");
        t.d("cluster-listen", "0.0.0.0:7400", "Where this node takes requests other nodes forward to it (a cluster-internal"
                + " port: plain TCP, keep it off the internet)");
        t.d("cluster-advertise", "", "host:port other nodes dial to reach --cluster-listen; empty = the listen address,"
                + " which then must not be a wildcard");
        t.d("cluster-node-ttl", "10s", "Node lease in the store, renewed every fifth of it; a dead node's names free up"
                + " for other keys after it");
        t.d("cluster-drain-timeout", "10s", "On SIGTERM, how long a cluster node keeps its names for its clients to"
                + " reconnect through another node (it stops taking connections and tells its sessions first)");
        t.d("cluster-tls-cert", "", "This node's certificate (PEM, chain allowed) for mutual TLS on hops between nodes,"
                + " signed by --cluster-tls-ca; needed unless --cluster-listen is a loopback address");
        t.d("cluster-tls-key", "", "The private key of --cluster-tls-cert (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted)");
        t.d("cluster-tls-ca", "", "The cluster CA (PEM): a peer node must present a certificate it signed, both ways");

        // sish flags with no tuns component (templates, log files): accepted so a sish config.yml loads unchanged
        t.section("sish flags accepted for compatibility (no effect in tuns)");
        t.sishOnly("load-templates", boolean.class, "true", "Load console templates from disk");
        t.sishOnly("load-templates-directory", String.class, "templates/*", "Where console templates are");

        ALL = t.build();
        Map<String, Flag> byName = new LinkedHashMap<>();
        ALL.forEach(f -> byName.put(f.name(), f));
        BY_NAME = Collections.unmodifiableMap(byName);
    }
}
