package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.tcp.PortRange;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue #15: values sish accepts start tuns: {@code 0s} timers mean "off", an empty port-bind-range is allowed. */
class ZeroMeansOffTest {

    static Stream<Arguments> timers() {
        return Stream.of(
                Arguments.of("--idle-connection-timeout=0s", "--idle-connection=true", (Predicate<ServerConfig>) c -> !c.idleConnection()),
                Arguments.of("--ping-client-interval=0s", "--ping-client=true", (Predicate<ServerConfig>) c -> !c.pingClient()),
                Arguments.of("--cleanup-unauthed-timeout=0s", "--cleanup-unauthed=true", (Predicate<ServerConfig>) c -> !c.cleanupUnauthed()),
                Arguments.of("--cleanup-unbound-timeout=0s", "--cleanup-unbound=true", (Predicate<ServerConfig>) c -> !c.cleanupUnbound()),
                Arguments.of("--proxy-protocol-timeout=0s", "--proxy-protocol-use-timeout=true",
                        (Predicate<ServerConfig>) c -> c.proxyProtocolTimeout().isZero()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("timers")
    void aZeroTimerTurnsItsSwitchOff(String zero, String on, Predicate<ServerConfig> off) {
        assertThat(ConfigLoader.fromArgs(on, zero)).matches(off);
    }

    @Test
    void aNegativeTimerIsStillAOneLineError() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--proxy-protocol-timeout=-1s"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--proxy-protocol-timeout");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--ping-client=true", "--ping-client-interval=-1s"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--ping-client-interval");
    }

    @Test
    void anEmptyPortBindRangeAllowsNoRequestedPortButRandomOnes() {
        ServerConfig c = ConfigLoader.fromArgs("--port-bind-range=");
        assertThat(c.portBindRange()).isEmpty();
        PortRange r = PortRange.parse(c.portBindRange());
        assertThat(r.contains(4000)).isFalse(); // sish: CheckPort fails, "Assigning a random port"
        assertThat(r.anyAllowed()).isTrue();    // sish: bindPort = 0, the OS picks
    }

    @Test
    void zeroIsNotOffWhereSishHasNoSwitch() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--channel-open-timeout=0s"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--channel-open-timeout");
    }
}
