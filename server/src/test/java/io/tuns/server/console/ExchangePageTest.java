package io.tuns.server.console;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.TestConfigs;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExchangePageTest {

    /** Ten exchanges, ids 1..10, newest first; even ids are POSTs. */
    private static List<Exchange> history() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        for (int i = 1; i <= 10; i++) {
            inspector.begin("h", "127.0.0.1", new DefaultHttpRequest(HttpVersion.HTTP_1_1,
                    i % 2 == 0 ? HttpMethod.POST : HttpMethod.GET, "/" + i));
        }
        return inspector.exchanges("h");
    }

    private static List<Long> ids(ExchangePage p) {
        return p.exchanges().stream().map(Exchange::id).toList();
    }

    @Test
    void pagesWalkTheHistoryNewestFirstWithTrueCounts() {
        List<Exchange> h = history();
        ExchangePage first = ExchangePage.of(h, e -> true, new ExchangePage.Cursor(Long.MAX_VALUE, 4));
        assertThat(ids(first)).containsExactly(10L, 9L, 8L, 7L);
        assertThat(first.total()).isEqualTo(10);
        assertThat(first.matched()).isEqualTo(10);
        assertThat(first.nextBefore()).isEqualTo(7);
        ExchangePage second = ExchangePage.of(h, e -> true, new ExchangePage.Cursor(first.nextBefore(), 4));
        assertThat(ids(second)).containsExactly(6L, 5L, 4L, 3L);
        ExchangePage last = ExchangePage.of(h, e -> true, new ExchangePage.Cursor(second.nextBefore(), 4));
        assertThat(ids(last)).containsExactly(2L, 1L);
        assertThat(last.nextBefore()).as("no older page").isEqualTo(-1);
    }

    @Test
    void aFilterCountsOnlyMatchesAndAnExactLastPageHasNoNext() {
        ExchangePage posts = ExchangePage.of(history(), e -> e.method().equals("POST"),
                new ExchangePage.Cursor(Long.MAX_VALUE, 5));
        assertThat(ids(posts)).containsExactly(10L, 8L, 6L, 4L, 2L);
        assertThat(posts.matched()).isEqualTo(5);
        assertThat(posts.total()).isEqualTo(10);
        assertThat(posts.nextBefore()).isEqualTo(-1);
    }

    @Test
    void cursorParametersAreCheckedWithAReason() {
        assertThat(ExchangePage.Cursor.from(Map.of())).isEqualTo(
                new ExchangePage.Cursor(Long.MAX_VALUE, ExchangePage.DEFAULT_LIMIT));
        assertThat(ExchangePage.Cursor.from(Map.of("before", List.of("7"), "limit", List.of("3"))))
                .isEqualTo(new ExchangePage.Cursor(7, 3));
        for (Map<String, List<String>> bad : List.of(Map.of("before", List.of("x")), Map.of("before", List.of("0")),
                Map.of("limit", List.of("0")), Map.of("limit", List.of("1001")), Map.of("limit", List.of("1e3")))) {
            assertThatThrownBy(() -> ExchangePage.Cursor.from(bad)).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'");
        }
    }
}
