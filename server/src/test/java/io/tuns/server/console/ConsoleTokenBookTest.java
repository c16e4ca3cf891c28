package io.tuns.server.console;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleTokenBookTest {

    private final ConsoleTokenBook book = new ConsoleTokenBook(new ConsoleTokens(), 3);

    @Test
    void theSameNameAndKeyGetTheSameTokenAndAnythingElseADifferentOne() {
        String t = book.tokenFor("app.localhost", "SHA256:key-a");
        assertThat(book.tokenFor("app.localhost", "SHA256:key-a")).isEqualTo(t);
        assertThat(book.current("app.localhost", "SHA256:key-a")).contains(t);
        assertThat(book.tokenFor("app.localhost", "SHA256:key-b")).isNotEqualTo(t);
        assertThat(book.tokenFor("other.localhost", "SHA256:key-a")).isNotEqualTo(t);
        assertThat(t).hasSize(ConsoleTokens.TOKEN_CHARS);
    }

    @Test
    void withoutAKeyEveryConnectionGetsAFreshTokenAndNothingIsStored() {
        assertThat(book.tokenFor("app.localhost", null)).isNotEqualTo(book.tokenFor("app.localhost", null));
        assertThat(book.tokenFor("app.localhost", "")).isNotEqualTo(book.tokenFor("app.localhost", ""));
        assertThat(book.size()).isZero();
        assertThat(book.current("app.localhost", null)).isEmpty();
        assertThat(book.rotate("app.localhost", null)).isEmpty();
    }

    @Test
    void rotationReplacesTheTokenForTheNextConnectionToo() {
        String old = book.tokenFor("app.localhost", "k");
        String fresh = book.rotate("app.localhost", "k").orElseThrow();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(book.current("app.localhost", "k")).contains(fresh);
        assertThat(book.tokenFor("app.localhost", "k")).isEqualTo(fresh);
    }

    @Test
    void theBookIsBoundedAndDropsTheLeastRecentlyUsedFirst() {
        String a = book.tokenFor("a", "k");
        book.tokenFor("b", "k");
        book.tokenFor("c", "k");
        book.current("a", "k"); // a is now the most recently used
        book.tokenFor("d", "k");
        assertThat(book.size()).isEqualTo(3);
        assertThat(book.current("b", "k")).as("least recently used, dropped").isEmpty();
        assertThat(book.current("a", "k")).contains(a);
    }
}
