package io.tuns.server.config;

import java.time.Duration;
import java.util.Set;

/** Checks across values that single conversions cannot see; each failure names its flag. */
final class Validation {

    private Validation() {
    }

    static void check(ServerConfig c) {
        HostPort.parse(c.sshAddress(), "ssh-address");
        HostPort.parse(c.httpAddress(), "http-address");
        HostPort.parse(c.httpsAddress(), "https-address");
        if (c.domain().isBlank()) {
            throw new ConfigException("--domain must not be empty");
        }
        positive("bind-random-subdomains-length", c.bindRandomSubdomainsLength());
        positive("bind-random-aliases-length", c.bindRandomAliasesLength());
        port("http-port-override", c.httpPortOverride());
        port("https-port-override", c.httpsPortOverride());
        port("http-request-port-override", c.httpRequestPortOverride());
        port("https-request-port-override", c.httpsRequestPortOverride());
        if (!Set.of("1", "2", "userdefined").contains(c.proxyProtocolVersion())) {
            throw new ConfigException("--proxy-protocol-version must be 1, 2 or userdefined, got '"
                    + c.proxyProtocolVersion() + "'");
        }
        if (!Set.of("use", "ignore", "reject", "require").contains(c.proxyProtocolPolicy())) {
            throw new ConfigException("--proxy-protocol-policy must be use, ignore, reject or require, got '"
                    + c.proxyProtocolPolicy() + "'");
        }
        if (c.serviceConsoleMaxContentLength() < -1) {
            throw new ConfigException("--service-console-max-content-length must be -1, 0 or a size");
        }
        positive("inspect-max-total-bytes", c.inspectMaxTotalBytes());
        positive("inspect-max-exchanges-per-tunnel", c.inspectMaxExchangesPerTunnel());
        positive("inspect-max-bytes-per-tunnel", c.inspectMaxBytesPerTunnel());
        positive("inspect-max-rendered-bytes", c.inspectMaxRenderedBytes());
        positive("console-max-viewers-per-tunnel", c.consoleMaxViewersPerTunnel());
        positive("console-max-viewers", c.consoleMaxViewers());
        positive("max-forwarded-channels", c.maxForwardedChannels());
        positive("max-channels-per-connection", c.maxChannelsPerConnection());
        positive("max-forwards-per-connection", c.maxForwardsPerConnection());
        if (c.sshWindowSize() < 32 * 1024 || c.sshWindowSize() > Integer.MAX_VALUE) {
            throw new ConfigException("--ssh-window-size must be between 32KiB and 2GiB");
        }
        if (c.sshWriteLowWater() <= 0 || c.sshWriteHighWater() <= c.sshWriteLowWater()) {
            throw new ConfigException("--ssh-write-high-water must be larger than --ssh-write-low-water (> 0)");
        }
        positive("http-max-initial-line-length", c.httpMaxInitialLineLength());
        positive("http-max-header-size", c.httpMaxHeaderSize());
        positive("session-message-queue", c.sessionMessageQueue());
        positiveDuration("ping-client-interval", c.pingClientInterval());
        positiveDuration("ping-client-timeout", c.pingClientTimeout());
        positiveDuration("channel-open-timeout", c.channelOpenTimeout());
        positiveDuration("cleanup-unauthed-timeout", c.cleanupUnauthedTimeout());
        positiveDuration("idle-connection-timeout", c.idleConnectionTimeout());
        positiveDuration("authentication-keys-directory-watch-interval", c.authenticationKeysDirectoryWatchInterval());
        for (String cidr : c.bannedIps()) {
            Cidr.check("banned-ips", cidr);
        }
        for (String cidr : c.whitelistedIps()) {
            Cidr.check("whitelisted-ips", cidr);
        }
    }

    private static void positive(String flag, long v) {
        if (v <= 0) {
            throw new ConfigException("--" + flag + " must be greater than 0, got " + v);
        }
    }

    private static void port(String flag, int v) {
        if (v < 0 || v > 65535) {
            throw new ConfigException("--" + flag + " must be a port 0..65535, got " + v);
        }
    }

    private static void positiveDuration(String flag, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException("--" + flag + " must be a positive duration (examples: 5s, 200ms)");
        }
    }
}
