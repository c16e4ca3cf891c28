package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every class of configuration error is one line that names the flag, variable or key and what is expected. */
class ErrorMessagesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --ping-client-interval=5x            | --ping-client-interval: '5x' is not a duration (examples: 5s, 200ms, 15m)
            --service-console=maybe              | --service-console: 'maybe' is not true or false
            --inspect-max-total-bytes=lots       | --inspect-max-total-bytes: 'lots' is not a size in bytes (examples: 65536, 64KiB, 8MiB, 1GiB)
            --inspect-max-total-bytes=-1KiB      | --inspect-max-total-bytes: '-1KiB' is not a size in bytes (examples: 65536, 64KiB, 8MiB, 1GiB)
            --max-forwarded-channels=many        | --max-forwarded-channels: 'many' is not a whole number
            --ssh-address=nowhere                | --ssh-address must be host:port, got 'nowhere'
            --http-address=localhost:70000       | --http-address port must be 0..65535, got 70000
            --https-address=::1:443              | --https-address: IPv6 addresses need brackets, e.g. [::1]:2222, got '::1:443'
            --http-port-override=65536           | --http-port-override must be between 0 and 65535, got 65536
            --bind-random-subdomains-length=0    | --bind-random-subdomains-length must be between 1 and 63, got 0
            --proxy-protocol-version=3           | --proxy-protocol-version must be one of 1, 2, userdefined, got '3'
            --proxy-protocol-policy=maybe        | --proxy-protocol-policy must be one of use, ignore, reject, require, got 'maybe'
            --banned-ips=10.0.0.0/99             | --banned-ips: '10.0.0.0/99' has a bad prefix length (expected an IP or CIDR)
            --whitelisted-ips=example.com        | --whitelisted-ips: 'example.com' is not an IP address or CIDR (example: 10.0.0.0/8)
            --banned-countries=Germany           | --banned-countries: 'Germany' is not a two-letter ISO country code (example: DE)
            --ssh-write-high-water=1KiB          | --ssh-write-high-water (1024 bytes) must be larger than --ssh-write-low-water (65536 bytes)
            --ssh-window-size=1KiB               | --ssh-window-size must be between 32768 and 2147483647, got 1024
            --service-console-max-content-length=-2 | --service-console-max-content-length must be -1 (only the global budget), 0 (no bodies) or a size like 64KiB, got -2
            --channel-open-timeout=0             | --channel-open-timeout must be a positive duration (examples: 5s, 200ms, 15m)
            --alias-drain-timeout=0s             | --alias-drain-timeout must be a positive duration (examples: 5s, 200ms, 15m)
            --max-startups=10:30                 | --max-startups: '10:30' is not start:rate:full (1 <= start <= full, rate a percentage 1-100), a single number or 0 for off (examples: 16:30:64, 32, 0)
            --memory-budget=lots                 | --memory-budget: 'lots' is not auto, off or a size of at least 4MiB (examples: auto, off, 64MiB, 1GiB)
            --memory-budget=1MiB                 | --memory-budget: '1MiB' is not auto, off or a size of at least 4MiB (examples: auto, off, 64MiB, 1GiB)
            --session-message-queue=0            | --session-message-queue must be greater than 0, got 0
            --port-bind-range=2000-1000          | --port-bind-range: '2000-1000' is not a port or range (example: 0,1024-65535)
            --authentication-key-request-url=ftp://x | --authentication-key-request-url: 'ftp://x' is not an http:// or https:// URL
            --domain=                            | --domain must be a host name like tuns.example.com, got ''
            --metrics-address=9090               | --metrics-address must be host:port, got '9090'
            --no-such-flag                       | unknown flag '--no-such-flag'; see --help
            --ssh-adress=localhost:22            | unknown flag '--ssh-adress' (did you mean '--ssh-address'?); see --help
            --domain                             | --domain needs a value (--domain=TEXT)
            stray                                | unexpected argument 'stray': tuns serve takes only flags (see --help)
            """)
    void flagErrors(String arg, String message) {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(arg))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    /** The cluster flags are checked only with a store, and a password in the store URL never shows. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --cluster-store=memcached://x:1       | --cluster-store must start with redis:// or rediss:// (Redis 7 or Valkey)
            --cluster-store=redis://:s3cret@:6379 | --cluster-store needs a host, e.g. redis://10.0.0.5:6379
            --cluster-store=redis://a b           | --cluster-store must be a URL like redis://host:6379, got a malformed value
            --cluster-node-id=                    | --cluster-node-id is needed with --cluster-store (a unique name per node, e.g. n1)
            --cluster-node-id=n/1                 | --cluster-node-id must be 1 to 64 letters, digits, '.', '_' or '-', got 'n/1'
            --cluster-listen=7400                 | --cluster-listen must be host:port, got '7400'
            --cluster-advertise=                  | --cluster-advertise is needed when --cluster-listen is a wildcard address (give the host:port other nodes dial)
            --cluster-advertise=10.0.0.1:0        | --cluster-advertise needs a real port, got 0
            --cluster-node-ttl=500ms              | --cluster-node-ttl must be at least 1s, got 500ms
            """)
    void clusterFlagErrors(String arg, String message) {
        String[] base = {"--cluster-store=redis://10.0.0.5:6379", "--cluster-node-id=n1",
                "--cluster-advertise=10.0.0.1:7400"};
        String[] args = java.util.Arrays.copyOf(base, base.length + 1);
        args[base.length] = arg;
        assertThatThrownBy(() -> ConfigLoader.fromArgs(args))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
        assertThat(ConfigLoader.fromArgs("--cluster-node-id=n/1").clustered()).as("no store: not checked").isFalse();
    }

    /** Hops need mutual TLS off loopback; each missing or unreadable file is one line naming its flag. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --cluster-listen=10.0.0.1:7400              | --cluster-tls-cert is needed when --cluster-listen is not a loopback address (10.0.0.1): other nodes hand clients' bytes and addresses to it, so peers must prove they are nodes; give --cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca (README "Run several nodes" shows how to make them)
            --cluster-tls-cert=/nonexistent/n1.crt      | --cluster-tls-key is needed with the other --cluster-tls-* flags (a node's certificate, its key and the cluster CA go together)
            """)
    void clusterTlsErrors(String arg, String message) {
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--cluster-store=redis://10.0.0.5:6379", "--cluster-node-id=n1",
                "--cluster-advertise=10.0.0.1:7400", arg))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void clusterTlsFilesMustBeReadable() throws Exception {
        Path cert = Files.writeString(dir.resolve("n1.crt"), "x");
        Path key = Files.writeString(dir.resolve("n1.key"), "x");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--cluster-store=redis://10.0.0.5:6379", "--cluster-node-id=n1",
                "--cluster-listen=10.0.0.1:7400", "--cluster-tls-cert=" + cert, "--cluster-tls-key=" + key,
                "--cluster-tls-ca=" + dir.resolve("ca.pem")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--cluster-tls-ca " + dir.resolve("ca.pem") + " is not a readable file");
        assertThat(ConfigLoader.fromArgs("--cluster-store=redis://10.0.0.5:6379", "--cluster-node-id=n1",
                "--cluster-listen=127.0.0.1:7400").clusterTlsCert()).as("loopback: plain hops allowed").isEmpty();
    }

    @Test
    void environmentErrorsNameTheVariable() {
        assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("TUNS_PING_CLIENT_INTERVAL", "soon")))
                .hasMessage("TUNS_PING_CLIENT_INTERVAL: 'soon' is not a duration (examples: 5s, 200ms, 15m)");
        assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("SISH_SSH_ADDRESS", "2222")))
                .hasMessage("SISH_SSH_ADDRESS must be host:port, got '2222'");
    }

    @Test
    void fileErrorsNameTheFileAndKey() throws Exception {
        Path f = dir.resolve("config.yml");
        Files.writeString(f, "cleanup-unauthed-timeout: -5s\nbanned-ips: [10.0.0.1, not-an-ip]\n");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--config=" + f))
                .hasMessage(f + ": cleanup-unauthed-timeout: '-5s' is not a duration (examples: 5s, 200ms, 15m)");
        Files.writeString(f, "banned-ips: [10.0.0.1, not-an-ip]\n");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--config=" + f))
                .hasMessage(f + ": banned-ips: 'not-an-ip' is not an IP address or CIDR (example: 10.0.0.0/8)");
    }

    @Test
    void aFlagFixesABadValueFromTheFile() throws Exception {
        Path f = dir.resolve("config.yml");
        Files.writeString(f, "ping-client-interval: 5x\n");
        assertThat(ConfigLoader.fromArgs("--config=" + f, "--ping-client-interval=3s").pingClientInterval())
                .hasSeconds(3);
    }
}
