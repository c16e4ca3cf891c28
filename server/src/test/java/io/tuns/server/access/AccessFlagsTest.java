package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The access flags: defaults, validation, and no "not implemented" warning for what now works. */
class AccessFlagsTest {

    @Test
    void defaults() {
        ServerConfig c = ConfigLoader.fromArgs();
        assertThat(c.maxConnectionsPerIp()).isEqualTo(32);
        assertThat(c.maxAuthFailuresPerIp()).isEqualTo(10);
        assertThat(c.authFailureWindow()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.authFailureBan()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.maxStartups()).isEqualTo("16:30:64");
    }

    @Test
    void maxStartupsTakesOpenSshsForms() {
        assertThat(ConfigLoader.fromArgs("--max-startups=0").maxStartups()).isEqualTo("0");
        assertThat(ConfigLoader.fromArgs("--max-startups=10:30:100").maxStartups()).isEqualTo("10:30:100");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--max-startups=100:30:10"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--max-startups: '100:30:10' is not");
    }

    @Test
    void implementedSishFlagsAreNotWarnedAbout() {
        ServerConfig c = ConfigLoader.fromArgs("--banned-ips=10.0.0.0/8", "--whitelisted-ips=10.1.0.0/16,::1",
                "--authentication-key-request-url=http://127.0.0.1:9/k", "--authentication-key-request-timeout=2s",
                "--authentication-password-request-url=http://127.0.0.1:9/p",
                "--authentication-password-request-timeout=2s", "--log-to-client", "--debug", "--verify-ssl=false",
                "--proxy-ssl-termination", "--https-request-port-override=8443");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void limitsAcceptZeroAndRefuseNonsense() {
        assertThat(ConfigLoader.fromArgs("--max-connections-per-ip=0", "--max-auth-failures-per-ip=0")
                .maxConnectionsPerIp()).isZero();
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--max-connections-per-ip=-1"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--max-connections-per-ip");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--auth-failure-ban=0s"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--auth-failure-ban");
    }
}
