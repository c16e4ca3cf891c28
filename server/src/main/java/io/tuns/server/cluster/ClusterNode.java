package io.tuns.server.cluster;

import io.tuns.server.tunnel.RouteClaim;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's life in the store: it joins with a lease, renews it every fifth of the TTL, and keeps its routes
 * true. A lapsed lease (the node froze or lost Redis) or a new generation (Redis lost its data) makes it join again
 * and re-assert every local route without displacing anyone; a route now held elsewhere (the same key took it over
 * on another node, or another key claimed it while this node was fenced) has its local tunnels closed, with a
 * line to the user. Store calls are asynchronous; the local effects run on the tunnel executor.
 *
 * <p>A move elsewhere is learnt from the route feed ({@link #feedListener}) within milliseconds. Looking every local
 * route up stays as a slow safety net: every {@link #VERIFY_EVERY}th beat, every beat while the feed is not
 * connected, and at once when the feed lost entries.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

    static final String TAKEN_ELSEWHERE = "taken over on another node of the cluster";
    /** Beats between two look-ups of every local route while the feed is connected. */
    static final int VERIFY_EVERY = 10;

    /** This node's name and its lease. */
    public record Settings(String node, Duration ttl) {

        Duration heartbeat() {
            return ttl.dividedBy(5);
        }
    }

    private final RouteStore store;
    private final TunnelRegistry registry;
    private final Settings settings;
    private final Executor tunnelExecutor;
    private final ClusterEvents events;
    private final AtomicReference<String> generation = new AtomicReference<>();
    private final AtomicBoolean beating = new AtomicBoolean();
    private final BooleanSupplier feedConnected;
    private int beatsSinceVerify;
    private volatile String advertise;
    /** System.nanoTime() when the last renewal that the store granted was sent; 0: no lease yet. */
    private volatile long leaseFrom;
    /** From a renewal the store refused (the lease had lapsed) until the next join it granted. */
    private volatile boolean fenced;
    private ScheduledFuture<?> heartbeat;

    /** Without a route feed: every beat looks every local route up. */
    public ClusterNode(RouteStore store, TunnelRegistry registry, Settings settings, Executor tunnelExecutor,
                       ClusterEvents events) {
        this(store, registry, settings, tunnelExecutor, events, () -> false);
    }

    /** @param feedConnected whether the route feed ({@link #feedListener} subscribed to it) is reading now */
    public ClusterNode(RouteStore store, TunnelRegistry registry, Settings settings, Executor tunnelExecutor,
                       ClusterEvents events, BooleanSupplier feedConnected) {
        this.feedConnected = feedConnected;
        this.store = store;
        this.registry = registry;
        this.settings = settings;
        this.tunnelExecutor = tunnelExecutor;
        this.events = events;
    }

    /**
     * Joins with the address other nodes dial (waiting at most {@code wait}: this runs at start-up, before any
     * forward is taken) and starts beating. A store that does not answer does not stop the node: it serves, refuses
     * new forwards, and joins at the first heartbeat the store answers.
     */
    public void start(String advertise, ScheduledExecutorService scheduler, Duration wait) throws InterruptedException {
        this.advertise = advertise;
        long sent = System.nanoTime();
        try {
            generation.set(store.join(settings.node(), advertise, settings.ttl()).toCompletableFuture()
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS));
            log.info("event=cluster_joined node={} advertise={} ttl={}ms", settings.node(), advertise,
                    settings.ttl().toMillis());
            leaseFrom = sent;
            events.storeAnswered(true);
            events.leaseRenewed();
        } catch (ExecutionException | TimeoutException e) {
            registry.storeReachable(false);
            events.storeAnswered(false);
            log.warn("event=cluster_join_deferred node={} (the store does not answer; new forwards are refused until"
                    + " it does)", settings.node());
        }
        long every = settings.heartbeat().toMillis();
        heartbeat = scheduler.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /** One heartbeat; skipped while the previous one is still waiting for the store. */
    void beat() {
        if (!beating.compareAndSet(false, true)) {
            return;
        }
        long sent = System.nanoTime();
        store.renew(settings.node(), settings.ttl()).whenComplete((gen, error) -> {
            try {
                if (error != null) {
                    if (registry.claimsRefusal() == null) {
                        log.warn("event=route_store_unreachable op=renew node={}", settings.node());
                    }
                    registry.storeReachable(false);
                    events.storeAnswered(false);
                } else if (gen.isEmpty()) {
                    log.warn("event=cluster_lease_lapsed node={}", settings.node());
                    fenced = true;
                    events.leaseLapsed();
                    rejoin();
                } else if (!gen.get().equals(generation.get())) {
                    log.warn("event=cluster_store_emptied node={}", settings.node());
                    generation.set(gen.get());
                    leaseFrom = sent;
                    storeBack();
                    events.leaseRenewed();
                    reassert();
                } else {
                    leaseFrom = sent;
                    storeBack();
                    events.leaseRenewed();
                    if (verifyDue(++beatsSinceVerify, feedConnected.getAsBoolean())) {
                        beatsSinceVerify = 0;
                        verify();
                    }
                }
            } finally {
                beating.set(false);
            }
        });
    }

    private void rejoin() {
        long sent = System.nanoTime();
        store.join(settings.node(), advertise, settings.ttl()).whenComplete((gen, error) -> {
            if (error == null) {
                generation.set(gen);
                leaseFrom = sent;
                fenced = false;
                log.info("event=cluster_joined node={} advertise={} ttl={}ms", settings.node(), advertise,
                        settings.ttl().toMillis());
                reassert();
                storeBack();
                events.leaseRenewed();
            }
        });
    }

    /**
     * Whether this node's lease is live now, counted from when the last granted renewal was sent (so never longer
     * than the store keeps it). A node whose lease lapsed may hold routes another node has claimed since: it takes
     * no hops until it renewed.
     */
    public boolean leaseLive() {
        long from = leaseFrom;
        return from != 0 && System.nanoTime() - from < settings.ttl().toNanos();
    }

    /**
     * Why the load balancer should send this node nothing new, or null: it never reached the store since it
     * started, or the store said its lease had lapsed and it has not joined again. A store that went away after
     * the join does not count: every node would fail at once, and open tunnels keep working meanwhile.
     */
    public String notReady() {
        if (leaseFrom == 0) {
            return "This node has not reached its cluster store yet.";
        }
        if (fenced) {
            return "This node's lease in the cluster store lapsed; it is joining again.";
        }
        return null;
    }

    private void storeBack() {
        if (registry.claimsRefusal() != null) {
            log.info("event=route_store_reachable node={}", settings.node());
        }
        registry.storeReachable(true);
        events.storeAnswered(true);
    }

    /** Claims every local route again, never displacing a live holder; a route held elsewhere is closed here. */
    void reassert() {
        for (Map.Entry<String, RouteHolder> e : registry.heldRoutes().entrySet()) {
            store.claim(e.getKey(), e.getValue(), false).thenAccept(c -> {
                if (c.outcome() == RouteClaim.Outcome.TAKEN) {
                    lost(e.getKey());
                }
            });
        }
    }

    /** Whether this beat (the {@code beats}th since the last full check) looks every local route up. */
    static boolean verifyDue(int beats, boolean feedConnected) {
        return !feedConnected || beats >= VERIFY_EVERY;
    }

    /** Keeps the local tunnels true to the feed: a route of ours claimed elsewhere is checked, and closed here. */
    public RouteFeed.Listener feedListener() {
        return new RouteFeed.Listener() {
            @Override
            public void appeared(String route, RouteLocation location) {
                RouteHolder mine = registry.heldRoute(route);
                if (mine != null && !mine.equals(location.holder())) {
                    confirmLost(route, mine);
                }
            }

            @Override
            public void gone(String route, RouteHolder was) {
                // only its holder releases a route: ours are released by us
            }

            @Override
            public void missed() {
                verify();
            }
        };
    }

    /**
     * The feed said another holder claimed {@code route}, which this node holds as {@code mine}. The entry may be
     * older than a claim this node made since, so ask the store, and close only if no claim of ours came between
     * (the holder this node keeps is still that very object).
     */
    private void confirmLost(String route, RouteHolder mine) {
        store.lookup(List.of(route)).thenAccept(found -> {
            if (found.isPresent() && !found.get().holder().equals(mine)) {
                tunnelExecutor.execute(() -> {
                    if (registry.heldRoute(route) == mine) {
                        lostNow(route);
                    }
                });
            }
        });
    }

    /** Checks that every local route is still this node's: one lookup per route (the feed's safety net). */
    void verify() {
        for (Map.Entry<String, RouteHolder> e : registry.heldRoutes().entrySet()) {
            store.lookup(List.of(e.getKey())).thenAccept(found -> {
                if (found.isEmpty()) {
                    store.claim(e.getKey(), e.getValue(), false); // vanished (e.g. deleted by hand): put it back
                } else if (!Objects.equals(found.get().holder(), e.getValue())) {
                    lost(e.getKey());
                }
            });
        }
    }

    private void lost(String route) {
        tunnelExecutor.execute(() -> lostNow(route));
    }

    private void lostNow(String route) {
        int closed = registry.routeLost(route, TAKEN_ELSEWHERE);
        events.routeLost();
        log.info("event=cluster_route_lost node={} route={} tunnels_closed={}", settings.node(), route, closed);
    }

    /** Stops beating and ends the lease, so other keys may claim this node's names at once. */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        try {
            store.leave(settings.node()).toCompletableFuture().get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("event=cluster_leave_failed node={}", settings.node());
        }
    }
}
