package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteCacheTest {

    static final List<String> KEYS = List.of("http|app.x/api", "http|app.x");
    static final RouteLocation AT_B = new RouteLocation("http|app.x", new RouteHolder("b", "SHA256:k"), "10.0.0.2:7400");
    static final RouteLocation API_AT_C = new RouteLocation("http|app.x/api", new RouteHolder("c", "SHA256:k"),
            "10.0.0.3:7400");

    @Test
    void remembersTheStoreLastSaidAndNothingElse() {
        RouteCache cache = new RouteCache();
        assertThat(cache.lastKnown(KEYS)).isEmpty();
        cache.learned(KEYS, Optional.of(AT_B));
        assertThat(cache.lastKnown(KEYS)).contains(AT_B);
        cache.learned(KEYS, Optional.of(API_AT_C));
        assertThat(cache.lastKnown(KEYS)).as("the more specific route first").contains(API_AT_C);
        cache.learned(KEYS, Optional.of(AT_B));
        assertThat(cache.lastKnown(KEYS)).as("the path route is gone: the store said so").contains(AT_B);
        cache.learned(KEYS, Optional.empty());
        assertThat(cache.lastKnown(KEYS)).as("nobody holds it any more").isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void holdsAtMostItsBoundDroppingTheLeastRecentlyUsed() {
        RouteCache cache = new RouteCache();
        for (int i = 0; i <= RouteCache.MAX_ROUTES; i++) {
            String r = "http|n" + i + ".x";
            cache.learned(List.of(r), Optional.of(new RouteLocation(r, new RouteHolder("b", "k"), "a:1")));
        }
        assertThat(cache.size()).isEqualTo(RouteCache.MAX_ROUTES);
        assertThat(cache.lastKnown(List.of("http|n0.x"))).isEmpty();
        assertThat(cache.lastKnown(List.of("http|n1.x"))).isPresent();
    }
}
