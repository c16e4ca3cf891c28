package io.tuns.server.cluster;

import io.tuns.server.tunnel.RouteLocation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this entry node last found each route in the store. Two uses: keep forwarding to the owners of existing
 * tunnels while the store does not answer (Redis down: tunnels keep working; only new forwards are refused,
 * {@link #lastKnown}); and spare a plain HTTP request the store round trip while the route feed is live and the
 * answer is younger than {@link #TRUST} ({@link #fresh}). A fresh answer from the store always wins and corrects
 * the cache, and so does the feed. Routes before the one found are kept as "no holder" so that a better route
 * appearing (the feed says so) is not passed over. At most {@link #MAX_ROUTES} routes, least recently used dropped
 * first.
 */
final class RouteCache {

    static final int MAX_ROUTES = 10_000;
    /**
     * How long an answer stands in for the store while the feed is live. The feed corrects take-overs and releases
     * within its lag; this bounds what it cannot say (a dead node's lease lapsing is no feed entry) to what a look-up
     * per request would also have seen a moment ago. One look-up per route and second at most, whatever the rate.
     */
    static final Duration TRUST = Duration.ofSeconds(1);

    /** Where a route is held, or null: no live holder. {@code atNanos}: when the store or the feed said so. */
    private record Seen(RouteLocation at, long atNanos) {
    }

    private final Map<String, Seen> byRoute = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > MAX_ROUTES;
        }
    };

    /** The store answered for {@code routes} (best first) at {@code nowNanos}: routes before the one found have no live holder. */
    synchronized void learned(List<String> routes, Optional<RouteLocation> found, long nowNanos) {
        for (String route : routes) {
            if (found.isPresent() && found.get().route().equals(route)) {
                byRoute.put(route, new Seen(found.get(), nowNanos));
                return;
            }
            byRoute.put(route, new Seen(null, nowNanos));
        }
    }

    /** The feed said {@code route} is held at {@code at} now: corrects an entry this node has (adds none). */
    synchronized void moved(String route, RouteLocation at, long nowNanos) {
        byRoute.replace(route, new Seen(at, nowNanos));
    }

    /** The feed said {@code route} was released. */
    synchronized void gone(String route, long nowNanos) {
        byRoute.replace(route, new Seen(null, nowNanos));
    }

    /** The feed lost entries: nothing here may stand in for the store until it answered again. */
    synchronized void distrust(long nowNanos) {
        byRoute.replaceAll((route, seen) -> new Seen(seen.at(), nowNanos - TRUST.toNanos()));
    }

    /** The best of {@code routes} this node last saw held, when the store cannot be asked. */
    synchronized Optional<RouteLocation> lastKnown(List<String> routes) {
        for (String route : routes) {
            Seen s = byRoute.get(route);
            if (s != null && s.at() != null) {
                return Optional.of(s.at());
            }
        }
        return Optional.empty();
    }

    /**
     * Where to forward {@code routes} without asking the store, or empty: ask it. Only while the feed is live, only
     * a holder (a route nobody holds is asked again: a 404 is not worth a stale answer), and only when the route
     * and every better one were seen within {@link #TRUST}.
     */
    synchronized Optional<RouteLocation> fresh(List<String> routes, long nowNanos, boolean feedLive) {
        if (!feedLive) {
            return Optional.empty();
        }
        for (String route : routes) {
            Seen s = byRoute.get(route);
            if (s == null || !trusted(nowNanos - s.atNanos())) {
                return Optional.empty();
            }
            if (s.at() != null) {
                return Optional.of(s.at());
            }
        }
        return Optional.empty();
    }

    /** Whether an answer {@code ageNanos} old may stand in for the store (a clock going back: no). */
    static boolean trusted(long ageNanos) {
        return ageNanos >= 0 && ageNanos < TRUST.toNanos();
    }

    synchronized int size() {
        return byRoute.size();
    }
}
