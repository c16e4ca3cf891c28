package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The in-memory {@link RouteStore}: the default, for one node, with no Redis. It follows the same rules as the Redis
 * store (the contract tests run both), so it can also stand for a cluster inside one JVM. Calls complete at once.
 * Bounds: one entry per claimed route (the registry's bound: connections × forwards) and one per node.
 */
public final class LocalRouteStore implements RouteStore {

    private record Lease(String address, long expiresAtNanos) {
    }

    private final LongSupplier nanos;
    /** One entry per held name, released with its last tunnel: bounded as the registry is. */
    private final Map<String, RouteHolder> routes = new HashMap<>();
    /** One lease per node; in one process, the one node (tests with a shared store: a few). */
    private final Map<String, Lease> leases = new HashMap<>();
    private String generation = UUID.randomUUID().toString();

    public LocalRouteStore() {
        this(System::nanoTime);
    }

    LocalRouteStore(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Drops every route, lease and the generation: what a Redis restart without persistence does (for tests). */
    public synchronized void forget() {
        routes.clear();
        leases.clear();
        generation = UUID.randomUUID().toString();
    }

    @Override
    public synchronized CompletionStage<String> join(String node, String address, Duration ttl) {
        leases.put(node, new Lease(address, expiry(ttl)));
        return CompletableFuture.completedFuture(generation);
    }

    @Override
    public synchronized CompletionStage<Optional<String>> renew(String node, Duration ttl) {
        Lease l = leases.get(node);
        if (!live(node)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        leases.put(node, new Lease(l.address(), expiry(ttl)));
        return CompletableFuture.completedFuture(Optional.of(generation));
    }

    @Override
    public synchronized CompletionStage<Void> leave(String node) {
        leases.remove(node);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<RouteClaim> claim(String route, RouteHolder holder, boolean takeOver) {
        return CompletableFuture.completedFuture(decide(route, holder, takeOver));
    }

    private RouteClaim decide(String route, RouteHolder holder, boolean takeOver) {
        if (!live(holder.node())) {
            return RouteClaim.of(RouteClaim.Outcome.FENCED);
        }
        RouteHolder cur = routes.get(route);
        if (cur == null) {
            routes.put(route, holder);
            return RouteClaim.of(RouteClaim.Outcome.CLAIMED);
        }
        if (cur.equals(holder)) {
            return new RouteClaim(RouteClaim.Outcome.HELD, cur);
        }
        if (!live(cur.node())) {
            routes.put(route, holder);
            return new RouteClaim(RouteClaim.Outcome.CLAIMED, cur);
        }
        if (takeOver && cur.owner().equals(holder.owner())) {
            routes.put(route, holder);
            return new RouteClaim(RouteClaim.Outcome.TAKEN_OVER, cur);
        }
        return new RouteClaim(RouteClaim.Outcome.TAKEN, cur);
    }

    @Override
    public synchronized CompletionStage<Boolean> release(String route, RouteHolder holder) {
        return CompletableFuture.completedFuture(routes.remove(route, holder));
    }

    @Override
    public synchronized CompletionStage<Optional<RouteLocation>> lookup(List<String> candidates) {
        for (String route : candidates) {
            RouteHolder h = routes.get(route);
            if (h != null && live(h.node())) {
                return CompletableFuture.completedFuture(
                        Optional.of(new RouteLocation(route, h, leases.get(h.node()).address())));
            }
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public synchronized CompletionStage<java.util.Map<String, String>> routesOfKind(String kind, int max) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        routes.forEach((route, h) -> {
            if (out.size() < max && route.startsWith(kind + "|") && live(h.node())) {
                out.put(route, h.node());
            }
        });
        return CompletableFuture.completedFuture(out);
    }

    private long expiry(Duration ttl) {
        return ttl.isZero() ? Long.MAX_VALUE : nanos.getAsLong() + ttl.toNanos();
    }

    private boolean live(String node) {
        Lease l = leases.get(node);
        return l != null && (l.expiresAtNanos() == Long.MAX_VALUE || l.expiresAtNanos() - nanos.getAsLong() > 0);
    }

    @Override
    public void close() {
    }
}
