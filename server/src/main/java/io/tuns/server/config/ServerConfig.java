package io.tuns.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the server is configured with, built once by {@link ConfigLoader} (flags > env > file > defaults)
 * and passed in. Names follow sish's flags (kebab-case flag = camelCase component); components marked "tuns"
 * have no sish equivalent. Sizes are bytes, times are Durations.
 */
public record ServerConfig(
        // --- listeners and addresses
        String sshAddress,                 // --ssh-address            localhost:2222
        String httpAddress,                // --http-address           localhost:8080
        String httpsAddress,               // --https-address          localhost:8443
        boolean https,                     // --https                  false
        String domain,                     // --domain                 localhost
        boolean redirectRoot,              // --redirect-root          true
        String redirectRootLocation,       // --redirect-root-location "" (tuns: empty = a small landing page)
        int httpPortOverride,              // --http-port-override     0
        int httpsPortOverride,             // --https-port-override    0
        int httpRequestPortOverride,       // --http-request-port-override  0
        int httpsRequestPortOverride,      // --https-request-port-override 0
        String tcpAddress,                 // --tcp-address            ""
        boolean localhostAsAll,            // --localhost-as-all       true
        boolean forceTcpAddress,           // --force-tcp-address      false
        String portBindRange,              // --port-bind-range        0,1024-65535

        // --- naming and binding policy
        boolean bindRandomSubdomains,      // --bind-random-subdomains false (sish: true; tuns honours requested names)
        int bindRandomSubdomainsLength,    // --bind-random-subdomains-length 3
        boolean bindRandomAliases,         // --bind-random-aliases    false (sish: true; tuns honours requested aliases)
        int bindRandomAliasesLength,       // --bind-random-aliases-length 3
        boolean bindRandomPorts,           // --bind-random-ports      false (sish: true; tuns honours requested ports)
        boolean forceRequestedSubdomains,  // --force-requested-subdomains false
        boolean forceRequestedAliases,     // --force-requested-aliases false
        boolean forceRequestedPorts,       // --force-requested-ports  false
        List<String> bannedSubdomains,     // --banned-subdomains      localhost
        List<String> bannedAliases,        // --banned-aliases         ""
        boolean appendUserToSubdomain,     // --append-user-to-subdomain false
        String appendUserToSubdomainSeparator, // --append-user-to-subdomain-separator "-"
        boolean bindAnyHost,               // --bind-any-host          false
        List<String> bindHosts,            // --bind-hosts             ""
        boolean bindRootDomain,            // --bind-root-domain       false
        boolean bindWildcards,             // --bind-wildcards         false
        boolean bindHttpAuth,              // --bind-http-auth         true
        boolean bindHttpPath,              // --bind-http-path         true
        boolean stripHttpPath,             // --strip-http-path        true
        boolean rewriteHostHeader,         // --rewrite-host-header    true
        boolean verifyDns,                 // --verify-dns             true
        boolean shareNamesAcrossKeys,      // tuns --share-names-across-keys false (sish: any key pools, nests names)

        // --- authentication
        boolean authentication,            // --authentication         true
        Path authenticationKeysDirectory,  // --authentication-keys-directory deploy/pubkeys
        Duration authenticationKeysDirectoryWatchInterval, // 200ms
        String authenticationPassword,     // --authentication-password ""
        String authenticationKeyRequestUrl,        // ""
        Duration authenticationKeyRequestTimeout,  // 5s
        String authenticationPasswordRequestUrl,   // ""
        Duration authenticationPasswordRequestTimeout, // 5s
        Path privateKeysDirectory,         // --private-keys-directory deploy/keys
        String privateKeyPassphrase,       // --private-key-passphrase (sish's public default)

        // --- HTTPS and certificates
        Path httpsCertificateDirectory,    // --https-certificate-directory deploy/ssl
        Duration httpsCertificateDirectoryWatchInterval, // 200ms
        boolean httpsOndemandCertificate,  // false
        boolean httpsOndemandCertificateAcceptTerms, // false
        String httpsOndemandCertificateEmail, // ""
        boolean forceAllHttps,             // false
        boolean forceHttps,                // false
        boolean proxySslTermination,       // false
        boolean verifySsl,                 // true
        boolean httpsH2,                   // --https-h2 true (tuns: offer HTTP/2 by ALPN; sish always does)

        // --- TCP, aliases, SNI, load balancing, PROXY protocol
        boolean tcpAliases,                // false
        boolean tcpAliasesAllowedUsers,    // false
        boolean httpLoadBalancer,          // false
        boolean tcpLoadBalancer,           // false
        boolean aliasLoadBalancer,         // false
        boolean sniLoadBalancer,           // false
        boolean sniProxy,                  // false
        boolean sniProxyHttps,             // false
        boolean proxyProtocol,             // false
        String proxyProtocolVersion,       // "1"  (1, 2, userdefined)
        boolean proxyProtocolListener,     // false
        String proxyProtocolPolicy,        // "use" (use, ignore, reject, require)
        boolean proxyProtocolUseTimeout,   // false
        Duration proxyProtocolTimeout,     // 200ms

        // --- consoles and inspection
        boolean adminConsole,              // --admin-console          false
        String adminConsoleToken,          // --admin-console-token    ""
        boolean serviceConsole,            // --service-console        false
        String serviceConsoleToken,        // --service-console-token  "" (random per tunnel)
        long serviceConsoleMaxContentLength, // per captured body, bytes; tuns default 65536 (-1 = only the budget, 0 = off)
        long inspectMaxTotalBytes,         // tuns --inspect-max-total-bytes 64 MiB
        int inspectMaxExchangesPerTunnel,  // tuns 100
        long inspectMaxBytesPerTunnel,     // tuns 8 MiB
        long inspectMaxRenderedBytes,      // tuns 1 MiB
        List<String> inspectRedactHeaders, // tuns authorization,cookie,set-cookie,proxy-authorization
        boolean inspectAlways,             // tuns true: with --service-console, bodies are captured without a viewer
        Duration inspectHistoryKeep,       // tuns 10m: history and console link outlive a disconnect this long
        int consoleMaxViewersPerTunnel,    // tuns 8
        int consoleMaxViewers,             // tuns 256

        // --- timeouts and keepalive
        boolean idleConnection,            // --idle-connection        false (sish: true; its 5 s cut breaks websockets)
        Duration idleConnectionTimeout,    // 5s
        boolean pingClient,                // true
        Duration pingClientInterval,       // 5s
        Duration pingClientTimeout,        // 5s
        boolean cleanupUnauthed,           // true
        Duration cleanupUnauthedTimeout,   // 5s
        boolean cleanupUnbound,            // false
        Duration cleanupUnboundTimeout,    // 5s
        Duration aliasDrainTimeout,        // tuns --alias-drain-timeout 30s (an alias close waits this long for stuck bytes)

        // --- IP filtering
        List<String> bannedIps,            // CIDRs
        List<String> whitelistedIps,       // CIDRs
        List<String> bannedCountries,
        List<String> whitelistedCountries,
        boolean geodb,

        // --- logging and messages
        boolean logToClient,               // false
        boolean logHttpRequests,           // tuns --log-http-requests true (sish always writes its gin access line)
        String timeFormat,                 // 2006/01/02 - 15:04:05
        boolean debug,                     // false
        String welcomeMessage,             // Press Ctrl-C to close the session.

        // --- tuns limits (every bound named; see DESIGN.md "Memory model")
        int maxForwardedChannels,          // --max-forwarded-channels 4096 (global; 503 beyond)
        int maxChannelsPerConnection,      // --max-channels-per-connection 256
        int maxForwardsPerConnection,      // --max-forwards-per-connection 64
        long sshWindowSize,                // --ssh-window-size 1 MiB (bytes in flight SSH→HTTP per channel)
        long sshWriteHighWater,            // --ssh-write-high-water 256 KiB (HTTP→SSH queued; reads pause above)
        long sshWriteLowWater,             // --ssh-write-low-water 64 KiB
        Duration channelOpenTimeout,       // --channel-open-timeout 10s (504 beyond)
        int httpMaxInitialLineLength,      // --http-max-initial-line-length 8192 (414 beyond)
        int httpMaxHeaderSize,             // --http-max-header-size 32768 (431 beyond)
        Duration httpHeaderTimeout,        // --http-header-timeout 30s (anti-slowloris: request head must arrive)
        Duration httpBodyTimeout,          // --http-body-timeout 60s (longest gap between two reads of a request body)
        int httpMaxClientShare,            // --http-max-client-share 50 (% of a tunnel's channels one client IP holds)
        int sessionMessageQueue,           // --session-message-queue 100 (lines queued to an ssh session)
        Duration forwardOptionsWait,       // --forward-options-wait 1s (wait for exec options before a forward)
        String memoryBudget,               // --memory-budget auto (one byte budget for all traffic; off | 64MiB)

        // --- metrics
        String metricsAddress,             // --metrics-address "" (also on the root domain /_sish/metrics)
        boolean metricsUserLabels,         // --metrics-user-labels true

        // --- tuns limits against abuse, per client IP on the SSH listener (0 = off; see io.tuns.server.access)
        int maxConnectionsPerIp,           // --max-connections-per-ip 32 (concurrent ssh connections)
        int maxAuthFailuresPerIp,          // --max-auth-failures-per-ip 10 (in --auth-failure-window, then a ban)
        Duration authFailureWindow,        // --auth-failure-window 10m
        Duration authFailureBan,           // --auth-failure-ban 10m
        String maxStartups,                // --max-startups 16:30:64 (unauthenticated ssh connections; OpenSSH's MaxStartups)

        // --- tuns: where --verify-dns asks for _sish TXT records
        String dnsResolver,                // --dns-resolver "" (host:port of a DNS server; empty = the system's)

        // --- tuns: SSH ciphers offered, in order (the client picks the first of ITS list that we offer)
        String sshCiphers,                 // --ssh-ciphers "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr"

        // --- sish's --debug dump interval (a sish flag, listed with the tuns additions to keep the order stable)
        Duration debugInterval,            // --debug-interval 2s

        // --- tuns: on-demand certificates are renewed when less than this validity remains
        Duration httpsOndemandCertificateRenewBefore, // --https-ondemand-certificate-renew-before 720h

        // --- tuns: the MaxMind DB country database --geodb reads (tuns ships none)
        String geodbPath,                  // --geodb-path ""

        // --- sish's log outputs (sish flags, listed with the tuns additions to keep the order stable)
        boolean logToStdout,               // true (tuns: the console appender, on stderr)
        boolean logToFile,                 // false
        String logToFilePath,              // /tmp/sish.log
        int logToFileMaxSize,              // 500 (MB before rotation)
        int logToFileMaxBackups,           // 3
        int logToFileMaxAge,               // 28 (days)
        boolean logToFileCompress,         // false

        // --- tuns cluster: several nodes, one name space, routes in Redis (empty store = one node, as always)
        String clusterStore,               // --cluster-store ""  redis://host:port (or rediss://, with user:password@)
        String clusterNodeId,              // --cluster-node-id ""  this node's unique name in the store
        String clusterListen,              // --cluster-listen "0.0.0.0:7400"  where other nodes forward requests to
        String clusterAdvertise,           // --cluster-advertise ""  host:port other nodes dial (default: the listen address)
        Duration clusterNodeTtl,           // --cluster-node-ttl 10s  lease; a dead node's names free up after it
        Duration clusterDrainTimeout,      // --cluster-drain-timeout 10s  on SIGTERM: wait for clients to reconnect elsewhere
        String clusterTlsCert,             // --cluster-tls-cert ""  this node's certificate for mutual TLS between nodes
        String clusterTlsKey,              // --cluster-tls-key ""  its private key
        String clusterTlsCa,               // --cluster-tls-ca ""  the CA every node's certificate is signed by

        // start-up warnings to print (e.g. accepted sish flags whose feature tuns does not implement yet)
        List<String> warnings) {

    /** --ssh-ciphers left at this default: each client is offered the first of it that the client lists. */
    public static final String DEFAULT_SSH_CIPHERS =
            "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";

    /** True when a cluster store is configured: routes are shared with other nodes. */
    public boolean clustered() {
        return !clusterStore.isBlank();
    }

    /** The host part of {@link #sshAddress()}, used to decide whether open (keyless) auth may be allowed. */
    public String sshHost() {
        return HostPort.parse(sshAddress, "ssh-address").host();
    }
}
