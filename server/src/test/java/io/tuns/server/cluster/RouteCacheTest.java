package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteCacheTest {

    static final List<String> KEYS = List.of("http|app.x/api", "http|app.x");
    static final RouteLocation AT_B = new RouteLocation("http|app.x", new RouteHolder("b", "SHA256:k"), "10.0.0.2:7400");
    static final RouteLocation API_AT_C = new RouteLocation("http|app.x/api", new RouteHolder("c", "SHA256:k"),
            "10.0.0.3:7400");

    @Test
    void remembersTheStoreLastSaidAndNothingElse() {
        RouteCache cache = new RouteCache();
        assertThat(cache.lastKnown(KEYS)).isEmpty();
        cache.learned(KEYS, Optional.of(AT_B), 0);
        assertThat(cache.lastKnown(KEYS)).contains(AT_B);
        cache.learned(KEYS, Optional.of(API_AT_C), 0);
        assertThat(cache.lastKnown(KEYS)).as("the more specific route first").contains(API_AT_C);
        cache.learned(KEYS, Optional.of(AT_B), 0);
        assertThat(cache.lastKnown(KEYS)).as("the path route is gone: the store said so").contains(AT_B);
        cache.learned(KEYS, Optional.empty(), 0);
        assertThat(cache.lastKnown(KEYS)).as("nobody holds it any more").isEmpty();
        assertThat(cache.size()).as("kept as 'no holder', to see a better route appear").isEqualTo(2);
    }

    @Test
    void holdsAtMostItsBoundDroppingTheLeastRecentlyUsed() {
        RouteCache cache = new RouteCache();
        for (int i = 0; i <= RouteCache.MAX_ROUTES; i++) {
            String r = "http|n" + i + ".x";
            cache.learned(List.of(r), Optional.of(new RouteLocation(r, new RouteHolder("b", "k"), "a:1")), 0);
        }
        assertThat(cache.size()).isEqualTo(RouteCache.MAX_ROUTES);
        assertThat(cache.lastKnown(List.of("http|n0.x"))).isEmpty();
        assertThat(cache.lastKnown(List.of("http|n1.x"))).isPresent();
    }

    static final long S = 1_000_000_000L;

    /** What the cache says it may answer for KEYS without the store, after a history of what it was told. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // history (store: learned; feed: moved/gone/missed), at seconds | feed live | answer
            "store says b at 0; asked at 0.5                      | true  | b",
            "store says b at 0; asked at 0.5, feed down            | false | store",
            "store says b at 0; asked at 1.0 (trust is under 1 s)  | true  | store",
            "store says b at 0; asked at -1 (clock went back)      | true  | store",
            "store says nobody at 0; asked at 0.5 (no cached 404)  | true  | store",
            "store says b at 0; feed: api appears at c at 0.2      | true  | c",
            "store says b at 0; feed: app moves to c at 0.9; asked at 0.95 | true | c",
            "store says b at 0; feed: app moves to c at 0.9; asked at 1.5 (api's 'nobody' too old) | true | store",
            "store says b at 0; feed: app gone at 0.2              | true  | store",
            "store says b at 0; feed missed entries at 0.2         | true  | store",
            "nothing learned                                       | true  | store",
    })
    void answersWithoutTheStoreOnlyWhileFreshAndTheFeedIsLive(String history, boolean feedLive, String answer) {
        RouteCache cache = new RouteCache();
        long asked = (long) (0.5 * S);
        if (history.startsWith("store says b")) {
            cache.learned(KEYS, Optional.of(AT_B), 0);
        } else if (history.startsWith("store says nobody")) {
            cache.learned(KEYS, Optional.empty(), 0);
        }
        RouteLocation appAtC = new RouteLocation("http|app.x", new RouteHolder("c", "SHA256:k"), "10.0.0.3:7400");
        if (history.contains("api appears at c")) {
            cache.moved("http|app.x/api", API_AT_C, (long) (0.2 * S));
        } else if (history.contains("app moves to c")) {
            cache.moved("http|app.x", appAtC, (long) (0.9 * S));
            asked = history.contains("1.5") ? (long) (1.5 * S) : (long) (0.95 * S);
        } else if (history.contains("gone")) {
            cache.gone("http|app.x", (long) (0.2 * S));
        } else if (history.contains("missed")) {
            cache.distrust((long) (0.2 * S));
        } else if (history.contains("asked at 1.0")) {
            asked = S;
        } else if (history.contains("asked at -1")) {
            asked = -S;
        }
        Optional<RouteLocation> got = cache.fresh(KEYS, asked, feedLive);
        assertThat(got.map(l -> l.holder().node()).orElse("store")).isEqualTo(answer);
    }

    @Test
    void theFeedAddsNoRouteThisNodeNeverAskedFor() {
        RouteCache cache = new RouteCache();
        cache.moved("http|other.x", AT_B, 0);
        assertThat(cache.size()).isZero();
        assertThat(cache.fresh(List.of("http|other.x"), 1, true)).isEmpty();
    }
}
