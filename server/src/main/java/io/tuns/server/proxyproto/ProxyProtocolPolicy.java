package io.tuns.server.proxyproto;

import io.tuns.server.config.ServerConfig;
import java.time.Duration;
import java.util.Locale;

/**
 * sish {@code --proxy-protocol-policy} with {@code --proxy-protocol-use-timeout}/{@code --proxy-protocol-timeout}:
 * what a listener does with a PROXY v1/v2 header in front of a connection (tuns behind HAProxy or an NLB).
 */
public enum ProxyProtocolPolicy {
    /** The header's source address is the client; a connection without a header is accepted as it is. */
    USE,
    /** A header is read and dropped; the client is the socket's peer. */
    IGNORE,
    /** A connection that sends a header is closed. */
    REJECT,
    /** A connection without a header is closed; the header's source is the client. */
    REQUIRE;

    public static ProxyProtocolPolicy parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    /** The settings of one server; {@code null} when {@code --proxy-protocol-listener} is off. */
    public record Settings(ProxyProtocolPolicy policy, Duration timeout) {
        /** @return {@code null} when no header timeout applies */
        public Duration timeoutOrNull() {
            return timeout;
        }

        public static Settings of(ServerConfig cfg) {
            if (!cfg.proxyProtocolListener()) {
                return null;
            }
            Duration t = cfg.proxyProtocolUseTimeout() && cfg.proxyProtocolTimeout() != null
                    && !cfg.proxyProtocolTimeout().isZero() && !cfg.proxyProtocolTimeout().isNegative() ? cfg.proxyProtocolTimeout() : null;
            return new Settings(parse(cfg.proxyProtocolPolicy()), t);
        }
    }
}
