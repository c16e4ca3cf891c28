package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's side of the {@link RouteStore}: claims wait for the store (at most {@code timeout}, on the tunnel
 * executor, never an event loop); releases run later on {@code calls}, which in a cluster is that same
 * single-threaded executor, so a release queued before a claim of the same route reaches the store before it.
 * Remembers the holder it claimed each route as (one entry per held route).
 */
final class StoreClaims {

    private static final Logger log = LoggerFactory.getLogger(StoreClaims.class);

    private final RouteStore store;
    private final String node;
    private final Executor calls;
    private final Duration timeout;
    /**
     * The routes this node holds in the store: one entry per name in this node's registry, removed when its last
     * tunnel goes, so bounded as the registry is (--max-forwards-per-connection × SSH connections).
     */
    private final Map<String, RouteHolder> held = new ConcurrentHashMap<>();
    /** False from a call the store did not answer until the next one it did (a claim or the node's heartbeat). */
    private volatile boolean reachable = true;
    /** Draining: a route whose last tunnel left stays this node's until its client takes it over elsewhere. */
    private volatile boolean keepRoutes;

    StoreClaims(RouteStore store, String node, Executor calls, Duration timeout) {
        this.store = store;
        this.node = node;
        this.calls = calls;
        this.timeout = timeout;
    }

    String node() {
        return node;
    }

    /** The store's answer, or null when it did not answer in time (the forward is then refused). */
    RouteClaim claim(String route, Tunnel tunnel, boolean takeOver) {
        RouteHolder h = RouteHolder.of(node, tunnel);
        try {
            RouteClaim c = store.claim(route, h, takeOver).toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            reachable = true;
            if (c.holds()) {
                held.put(route, h);
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            reachable = false;
            log.warn("event=route_store_unreachable op=claim error={}", String.valueOf(e.getCause() != null
                    ? e.getCause().getMessage() : e.getClass().getSimpleName()));
            return null;
        }
    }

    /** Frees {@code route} in the store later, if this node still holds no tunnel on it by then. */
    void release(String route, BooleanSupplier stillFree) {
        calls.execute(() -> {
            if (!stillFree.getAsBoolean() || keepRoutes) {
                return;
            }
            RouteHolder h = held.remove(route);
            if (h != null) {
                store.release(route, h).exceptionally(e -> {
                    log.warn("event=route_store_unreachable op=release route={}", route);
                    return false;
                });
            }
        });
    }

    /**
     * Claims a route no tunnel stands for (a marker such as the SNI ports this node listens on), as this node
     * itself. Held from now on whatever the store answers now, so a re-assert or the safety-net check puts it
     * back after the store lost it; never waits.
     */
    void mark(String route) {
        RouteHolder h = new RouteHolder(node, "node/" + node);
        held.put(route, h);
        store.claim(route, h, false).exceptionally(e -> {
            log.warn("event=route_store_unreachable op=mark route={}", route);
            return null;
        });
    }

    /** Frees a route {@link #mark} claimed (kept while draining, as routes are). */
    void unmark(String route) {
        if (keepRoutes) {
            return;
        }
        RouteHolder h = held.remove(route);
        if (h != null) {
            store.release(route, h).exceptionally(e -> {
                log.warn("event=route_store_unreachable op=unmark route={}", route);
                return false;
            });
        }
    }

    /** Forgets a route another node now holds (its tunnels here are being closed). */
    void lost(String route) {
        held.remove(route);
    }

    void keepRoutes() {
        keepRoutes = true;
    }

    boolean reachable() {
        return reachable;
    }

    void reachable(boolean answered) {
        reachable = answered;
    }

    /** The holder this node claimed {@code route} as (a new object per claim), or null. */
    RouteHolder holder(String route) {
        return held.get(route);
    }

    Map<String, RouteHolder> held() {
        return Map.copyOf(held);
    }
}
