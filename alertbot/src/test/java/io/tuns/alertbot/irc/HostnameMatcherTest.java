package io.tuns.alertbot.irc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostnameMatcherTest {
    @Test
    void wildcardCoversExactlyOneLeftLabel() {
        assertThat(HostnameMatcher.matchesDns("irc.pico.sh", "*.pico.sh")).isTrue();
        assertThat(HostnameMatcher.matchesDns("a.irc.pico.sh", "*.pico.sh")).isFalse();
        assertThat(HostnameMatcher.matchesDns("pico.sh", "*.pico.sh")).isFalse();
        assertThat(HostnameMatcher.matchesDns("irc.pico.sh", "irc.pico.sh")).isTrue();
        assertThat(HostnameMatcher.matchesDns("irc.pico.sh", "*.sh")).isFalse();
        assertThat(HostnameMatcher.matchesDns("evil.sh", "*.sh")).isFalse();
    }

    @Test
    void ipLiterals() {
        assertThat(HostnameMatcher.isIpLiteral("127.0.0.1")).isTrue();
        assertThat(HostnameMatcher.isIpLiteral("::1")).isTrue();
        assertThat(HostnameMatcher.isIpLiteral("irc.example")).isFalse();
    }
}
