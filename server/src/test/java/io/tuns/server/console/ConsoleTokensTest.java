package io.tuns.server.console;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleTokensTest {

    @Test
    void tokensAreLongRandomAndUrlSafe() {
        ConsoleTokens tokens = new ConsoleTokens();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String t = tokens.newToken();
            assertThat(t).hasSize(ConsoleTokens.TOKEN_CHARS).matches("[A-Za-z0-9]+");
            seen.add(t);
        }
        assertThat(seen).hasSize(1000);
    }

    @Test
    void comparesWholeTokensOnly() {
        assertThat(ConsoleTokens.matches("abc", "abc")).isTrue();
        assertThat(ConsoleTokens.matches("abd", "abc")).isFalse();
        assertThat(ConsoleTokens.matches("ab", "abc")).isFalse();
        assertThat(ConsoleTokens.matches("abcd", "abc")).isFalse();
        assertThat(ConsoleTokens.matches("", "")).isFalse();
        assertThat(ConsoleTokens.matches(null, "abc")).isFalse();
        assertThat(ConsoleTokens.matches("abc", null)).isFalse();
    }

    /**
     * Constant time by construction: both sides are hashed to 32 bytes and compared with MessageDigest.isEqual, which
     * looks at every byte. This checks the construction rather than timing, which is too noisy for a unit test.
     */
    @Test
    void comparisonIsOverFixedLengthDigests() {
        assertThat(ConsoleTokens.sha256("a")).hasSize(32);
        assertThat(ConsoleTokens.sha256("a".repeat(10_000))).hasSize(32);
    }

    @Test
    void consoleLinkHasSishShape() {
        assertThat(ConsoleTokens.serviceConsoleUrl("https://myapp.tuns.sh", "T"))
                .isEqualTo("https://myapp.tuns.sh/_sish/console?x-authorization=T");
    }
}
