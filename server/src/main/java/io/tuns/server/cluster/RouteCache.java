package io.tuns.server.cluster;

import io.tuns.server.tunnel.RouteLocation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where this entry node last found each route in the store, to keep forwarding to the owners of existing tunnels
 * while the store does not answer (Redis down: tunnels keep working; only new forwards are refused). A fresh
 * answer from the store always wins and corrects the cache. At most {@link #MAX_ROUTES} routes, least recently
 * used dropped first.
 */
final class RouteCache {

    static final int MAX_ROUTES = 10_000;

    private final Map<String, RouteLocation> byRoute = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RouteLocation> eldest) {
            return size() > MAX_ROUTES;
        }
    };

    /** The store answered for {@code routes} (best first): routes before the one found have no live holder. */
    synchronized void learned(List<String> routes, Optional<RouteLocation> found) {
        for (String route : routes) {
            if (found.isPresent() && found.get().route().equals(route)) {
                byRoute.put(route, found.get());
                return;
            }
            byRoute.remove(route);
        }
    }

    /** The feed said {@code route} is held at {@code at} now: corrects an entry this node has (adds none). */
    synchronized void moved(String route, RouteLocation at) {
        byRoute.replace(route, at);
    }

    /** The feed said {@code route} was released. */
    synchronized void gone(String route) {
        byRoute.remove(route);
    }

    /** The best of {@code routes} this node last saw held, when the store cannot be asked. */
    synchronized Optional<RouteLocation> lastKnown(List<String> routes) {
        for (String route : routes) {
            RouteLocation at = byRoute.get(route);
            if (at != null) {
                return Optional.of(at);
            }
        }
        return Optional.empty();
    }

    synchronized int size() {
        return byRoute.size();
    }
}
