package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import org.junit.jupiter.api.Test;

class PortRangeTest {

    @Test
    void sishDefaultAllowsAnyAndTheHighPorts() {
        PortRange r = PortRange.parse("0,1024-65535");
        assertThat(r.anyAllowed()).isTrue();
        assertThat(r.contains(1024)).isTrue();
        assertThat(r.contains(65535)).isTrue();
        assertThat(r.contains(1023)).isFalse();
        for (int i = 0; i < 1000; i++) {
            assertThat(r.random()).isBetween(1024, 65535);
        }
    }

    @Test
    void singlePortsAndSpansCombine() {
        PortRange r = PortRange.parse("2222, 3000-3001");
        assertThat(r.anyAllowed()).isFalse();
        assertThat(r.contains(2222)).isTrue();
        assertThat(r.contains(3001)).isTrue();
        assertThat(r.contains(2223)).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(r.random()).isIn(2222, 3000, 3001);
        }
    }

    @Test
    void badSpecNamesTheFlag() {
        assertThatThrownBy(() -> PortRange.parse("10-5")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--port-bind-range: '10-5'");
        assertThatThrownBy(() -> PortRange.parse("http")).hasMessageContaining("--port-bind-range");
    }

    /** sish's CheckPort: 0 passes only when the range lists it; an empty range fails to parse, so nothing passes. */
    @Test
    void acceptsAsSishsCheckPort() {
        assertThat(PortRange.parse("0,1024-65535").accepts(0)).isTrue();
        assertThat(PortRange.parse("0,1024-65535").accepts(2222)).isTrue();
        assertThat(PortRange.parse("0,1024-65535").accepts(1000)).isFalse();
        assertThat(PortRange.parse("1024-65535").accepts(0)).isFalse();
        PortRange empty = PortRange.parse("");
        assertThat(empty.accepts(0)).isFalse();
        assertThat(empty.accepts(2222)).isFalse();
        assertThat(empty.anyAllowed()).as("random ports still come from the system").isTrue();
    }
}
