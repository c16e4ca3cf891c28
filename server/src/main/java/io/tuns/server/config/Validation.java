package io.tuns.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Range and syntax checks that a type conversion cannot see, including checks across flags. Each failure is one
 * line naming where the value came from ({@code --flag}, {@code TUNS_FLAG} or {@code config.yml: flag}).
 */
final class Validation {

    private static final int MAX_DNS_LABEL = 63;
    private static final long MIN_SSH_WINDOW = 32 * 1024;

    /** flag name → how to name its source in a message */
    private final Function<String, String> origin;

    private Validation(Function<String, String> origin) {
        this.origin = origin;
    }

    static void check(ServerConfig c, Function<String, String> origin) {
        new Validation(origin).checkAll(c);
    }

    private void checkAll(ServerConfig c) {
        address("ssh-address", c.sshAddress());
        address("http-address", c.httpAddress());
        address("https-address", c.httpsAddress());
        if (!c.metricsAddress().isBlank()) {
            address("metrics-address", c.metricsAddress());
        }
        if (c.domain().isBlank() || !c.domain().trim().matches("[^\\s/:@]+")) {
            throw fail("domain", "must be a host name like tuns.example.com, got '" + c.domain() + "'");
        }
        port("http-port-override", c.httpPortOverride());
        port("https-port-override", c.httpsPortOverride());
        port("http-request-port-override", c.httpRequestPortOverride());
        port("https-request-port-override", c.httpsRequestPortOverride());
        portRanges("port-bind-range", c.portBindRange());

        between("bind-random-subdomains-length", c.bindRandomSubdomainsLength(), 1, MAX_DNS_LABEL);
        between("bind-random-aliases-length", c.bindRandomAliasesLength(), 1, MAX_DNS_LABEL);

        url("authentication-key-request-url", c.authenticationKeyRequestUrl());
        url("authentication-password-request-url", c.authenticationPasswordRequestUrl());
        oneOf("proxy-protocol-version", c.proxyProtocolVersion(), List.of("1", "2", "userdefined"));
        oneOf("proxy-protocol-policy", c.proxyProtocolPolicy(), List.of("use", "ignore", "reject", "require"));

        if (c.serviceConsoleMaxContentLength() < -1) {
            throw fail("service-console-max-content-length", "must be -1 (only the global budget), 0 (no bodies) or a"
                    + " size like 64KiB, got " + c.serviceConsoleMaxContentLength());
        }
        positive("inspect-max-total-bytes", c.inspectMaxTotalBytes());
        positive("inspect-max-exchanges-per-tunnel", c.inspectMaxExchangesPerTunnel());
        positive("inspect-max-bytes-per-tunnel", c.inspectMaxBytesPerTunnel());
        positive("inspect-max-rendered-bytes", c.inspectMaxRenderedBytes());
        if (c.inspectHistoryKeep().isNegative()) {
            throw fail("inspect-history-keep", "must be 0 (drop at once) or a duration like 10m");
        }
        positive("console-max-viewers-per-tunnel", c.consoleMaxViewersPerTunnel());
        positive("console-max-viewers", c.consoleMaxViewers());

        positive("max-forwarded-channels", c.maxForwardedChannels());
        positive("max-channels-per-connection", c.maxChannelsPerConnection());
        positive("max-forwards-per-connection", c.maxForwardsPerConnection());
        // the SSH window is an unsigned 32-bit count in the protocol; below 32 KiB one packet would not fit
        between("ssh-window-size", c.sshWindowSize(), MIN_SSH_WINDOW, Integer.MAX_VALUE);
        positive("ssh-write-low-water", c.sshWriteLowWater());
        if (c.sshWriteHighWater() <= c.sshWriteLowWater()) {
            throw fail("ssh-write-high-water", "(" + c.sshWriteHighWater() + " bytes) must be larger than "
                    + origin.apply("ssh-write-low-water") + " (" + c.sshWriteLowWater() + " bytes)");
        }
        try {
            MemoryBudgetSetting.parse(c.memoryBudget());
        } catch (IllegalArgumentException e) {
            throw fail("memory-budget", e.getMessage());
        }
        positive("http-max-initial-line-length", c.httpMaxInitialLineLength());
        positive("http-max-header-size", c.httpMaxHeaderSize());
        positive("session-message-queue", c.sessionMessageQueue());
        positive("debug-interval", c.debugInterval());
        positive("log-to-file-max-size", c.logToFileMaxSize());
        positive("log-to-file-max-backups", c.logToFileMaxBackups());
        positive("log-to-file-max-age", c.logToFileMaxAge());
        if (c.logToFile() && c.logToFilePath().isBlank()) {
            throw fail("log-to-file-path", "must name a file when --log-to-file is on");
        }
        positive("https-ondemand-certificate-renew-before", c.httpsOndemandCertificateRenewBefore());

        positive("authentication-keys-directory-watch-interval", c.authenticationKeysDirectoryWatchInterval());
        positive("authentication-key-request-timeout", c.authenticationKeyRequestTimeout());
        positive("authentication-password-request-timeout", c.authenticationPasswordRequestTimeout());
        positive("https-certificate-directory-watch-interval", c.httpsCertificateDirectoryWatchInterval());
        notNegative("proxy-protocol-timeout", c.proxyProtocolTimeout()); // 0s: no timeout, as in sish
        if (c.idleConnection()) { // a 0s timer has turned its switch off (ZeroMeansOff)
            positive("idle-connection-timeout", c.idleConnectionTimeout());
        }
        if (c.pingClient()) {
            positive("ping-client-interval", c.pingClientInterval());
        }
        positive("ping-client-timeout", c.pingClientTimeout());
        if (c.cleanupUnauthed()) {
            positive("cleanup-unauthed-timeout", c.cleanupUnauthedTimeout());
        }
        if (c.cleanupUnbound()) {
            positive("cleanup-unbound-timeout", c.cleanupUnboundTimeout());
        }
        positive("alias-drain-timeout", c.aliasDrainTimeout());
        positive("channel-open-timeout", c.channelOpenTimeout());
        positive("http-header-timeout", c.httpHeaderTimeout());
        positive("http-body-timeout", c.httpBodyTimeout());
        between("http-max-client-share", c.httpMaxClientShare(), 1, 100);
        positive("forward-options-wait", c.forwardOptionsWait());
        // limits against abuse: 0 turns a count off, the durations must be real
        between("max-connections-per-ip", c.maxConnectionsPerIp(), 0, Integer.MAX_VALUE);
        between("max-auth-failures-per-ip", c.maxAuthFailuresPerIp(), 0, Integer.MAX_VALUE);
        positive("auth-failure-window", c.authFailureWindow());
        positive("auth-failure-ban", c.authFailureBan());
        try {
            MaxStartupsSetting.parse(c.maxStartups());
        } catch (IllegalArgumentException e) {
            throw fail("max-startups", e.getMessage());
        }

        c.bannedIps().forEach(ip -> Cidr.check(origin.apply("banned-ips"), ip));
        c.whitelistedIps().forEach(ip -> Cidr.check(origin.apply("whitelisted-ips"), ip));
        countries("banned-countries", c.bannedCountries());
        countries("whitelisted-countries", c.whitelistedCountries());
        geodb(c);
        cluster(c);
    }

    /** The cluster flags matter only with a store; then the node needs a name and an address the others can dial. */
    private void cluster(ServerConfig c) {
        if (!c.clustered()) {
            return;
        }
        URI store;
        try {
            store = new URI(c.clusterStore().trim());
        } catch (URISyntaxException e) {
            throw fail("cluster-store", "must be a URL like redis://host:6379, got a malformed value");
        }
        if (!"redis".equals(store.getScheme()) && !"rediss".equals(store.getScheme())) {
            throw fail("cluster-store", "must start with redis:// or rediss:// (Redis 7 or Valkey)");
        }
        if (store.getHost() == null || store.getHost().isBlank()) {
            throw fail("cluster-store", "needs a host, e.g. redis://10.0.0.5:6379");
        }
        if (!c.clusterNodeId().matches("[A-Za-z0-9._-]{1,64}")) {
            throw fail("cluster-node-id", c.clusterNodeId().isEmpty() ? "is needed with --cluster-store (a unique name"
                    + " per node, e.g. n1)" : "must be 1 to 64 letters, digits, '.', '_' or '-', got '"
                    + c.clusterNodeId() + "'");
        }
        address("cluster-listen", c.clusterListen());
        if (c.clusterAdvertise().isBlank()) {
            String host = HostPort.parseNamed(c.clusterListen(), origin.apply("cluster-listen")).host();
            if (host.equals("0.0.0.0") || host.equals("::")) {
                throw fail("cluster-advertise", "is needed when --cluster-listen is a wildcard address (give the"
                        + " host:port other nodes dial)");
            }
        } else {
            HostPort a = HostPort.parseNamed(c.clusterAdvertise(), origin.apply("cluster-advertise"));
            if (a.port() == 0) {
                throw fail("cluster-advertise", "needs a real port, got 0");
            }
        }
        if (c.clusterDrainTimeout().isNegative()) {
            throw fail("cluster-drain-timeout", "must not be negative");
        }
        if (c.clusterNodeTtl().compareTo(Duration.ofSeconds(1)) < 0) {
            throw fail("cluster-node-ttl", "must be at least 1s, got " + c.clusterNodeTtl().toMillis() + "ms");
        }
        clusterTls(c);
    }

    /** Mutual TLS between nodes ({@link ClusterTlsPolicy}); the files' contents are read where they are used. */
    private void clusterTls(ServerConfig c) {
        String host = HostPort.parseNamed(c.clusterListen(), origin.apply("cluster-listen")).host();
        ClusterTlsPolicy.Decision d = ClusterTlsPolicy.decide(host, c.clusterTlsCert(), c.clusterTlsKey(),
                c.clusterTlsCa());
        if (d.mode() == null) {
            throw fail(d.flag(), d.problem());
        }
        if (d.mode() == ClusterTlsPolicy.Mode.MUTUAL_TLS) {
            readable("cluster-tls-cert", c.clusterTlsCert());
            readable("cluster-tls-key", c.clusterTlsKey());
            readable("cluster-tls-ca", c.clusterTlsCa());
        }
    }

    private void readable(String flag, String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw fail(flag, file + " is not a readable file");
        }
    }

    /** Country filters need a database, and tuns ships none (GeoLite2's licence forbids it; sish embeds one). */
    private void geodb(ServerConfig c) {
        boolean lists = !c.bannedCountries().isEmpty() || !c.whitelistedCountries().isEmpty();
        if (lists && !c.geodb()) {
            throw fail(c.bannedCountries().isEmpty() ? "whitelisted-countries" : "banned-countries",
                    "needs --geodb and --geodb-path (a country database) to know where an address is");
        }
        if (!c.geodb()) {
            return;
        }
        if (c.geodbPath().isBlank()) {
            throw fail("geodb", "needs --geodb-path: tuns ships no country database; give it a MaxMind DB file such "
                    + "as GeoLite2-Country.mmdb or DB-IP's dbip-country-lite.mmdb");
        }
        // the file only: whether it is a country database is checked where it is opened (TunsServer), so that
        // config stays below access in the layers
        Path db = Path.of(c.geodbPath());
        if (!Files.isRegularFile(db) || !Files.isReadable(db)) {
            throw fail("geodb-path", c.geodbPath() + " is not a readable file");
        }
    }

    private void address(String flag, String value) {
        HostPort.parseNamed(value, origin.apply(flag));
    }

    private void port(String flag, int v) {
        between(flag, v, 0, 65535);
    }

    private void between(String flag, long v, long min, long max) {
        if (v < min || v > max) {
            throw fail(flag, "must be between " + min + " and " + max + ", got " + v);
        }
    }

    private void positive(String flag, long v) {
        if (v <= 0) {
            throw fail(flag, "must be greater than 0, got " + v);
        }
    }

    private void positive(String flag, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw fail(flag, "must be a positive duration (examples: 5s, 200ms, 15m)");
        }
    }

    private void notNegative(String flag, Duration d) {
        if (d.isNegative()) {
            throw fail(flag, "must be 0s (off) or a positive duration (examples: 5s, 200ms)");
        }
    }

    private void oneOf(String flag, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw fail(flag, "must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        }
    }

    /** sish's syntax: {@code 0,1024-65535}, where 0 means "any free port"; empty: no port may be asked for. */
    private void portRanges(String flag, String value) {
        if (value.isBlank()) {
            return;
        }
        for (String part : value.split(",")) {
            String p = part.trim();
            String[] ends = p.split("-", -1);
            try {
                int low = Integer.parseInt(ends[0].trim());
                int high = ends.length == 2 ? Integer.parseInt(ends[1].trim()) : low;
                if (ends.length > 2 || low < 0 || high > 65535 || low > high) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw fail(flag, "'" + p + "' is not a port or range (example: 0,1024-65535)");
            }
        }
    }

    private void url(String flag, String value) {
        if (value.isBlank()) {
            return;
        }
        try {
            URI uri = new URI(value.trim());
            if (!Set.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(value, "not http(s)");
            }
        } catch (URISyntaxException e) {
            throw fail(flag, "'" + value + "' is not an http:// or https:// URL");
        }
    }

    private void countries(String flag, List<String> codes) {
        for (String code : codes) {
            if (!code.matches("[A-Za-z]{2}")) {
                throw fail(flag, "'" + code + "' is not a two-letter ISO country code (example: DE)");
            }
        }
    }

    private ConfigException fail(String flag, String problem) {
        String name = origin.apply(flag);
        return new ConfigException(problem.startsWith("'") ? name + ": " + problem : name + " " + problem);
    }
}
