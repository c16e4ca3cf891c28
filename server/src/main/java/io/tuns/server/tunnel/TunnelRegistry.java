package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The routing table: HTTP host+path → tunnels, alias {@code name:port} → tunnels, TCP {@code domain:port} →
 * tunnels. Each name holds a {@link TunnelGroup} (several members only with a load balancer flag). Lookups are
 * lock-free map reads on every request; changes happen only when forwards come and go.
 *
 * <p>Under it, a {@link RouteStore} records which node holds each route: every claim this node's
 * {@link ForwardOwnership} grants is also claimed there before it takes effect, and a route leaves the store when
 * its last local tunnel leaves. Without a cluster that store is a {@link LocalRouteStore} that always agrees.
 */
public final class TunnelRegistry {

    /** Longest path prefixes tried per request (one map read each). */
    static final int MAX_PATH_SEGMENTS = 16;

    private final ConcurrentHashMap<String, TunnelGroup> byKey = new ConcurrentHashMap<>();
    private final List<Consumer<Tunnel>> removalListeners = new CopyOnWriteArrayList<>();
    private final StoreClaims claims;

    /** One node on its own: an in-memory store whose node lease never lapses; releases happen at once. */
    public TunnelRegistry() {
        this(singleNode(), "local", Runnable::run, Duration.ofSeconds(1));
    }

    /**
     * @param storeCalls where releases run: in a cluster the tunnel executor, which also runs every claim
     * @param storeTimeout how long a claim waits for the store before the forward is refused
     */
    public TunnelRegistry(RouteStore store, String node, Executor storeCalls,
                          Duration storeTimeout) {
        this.claims = new StoreClaims(store, node, storeCalls, storeTimeout);
    }

    private static RouteStore singleNode() {
        LocalRouteStore store = new LocalRouteStore();
        store.join("local", "", Duration.ZERO);
        return store;
    }

    /** The key of a route, here and in the {@link RouteStore}: {@code http|host/path}, {@code tcp|domain:port} ... */
    public static String key(Tunnel.TunnelType type, String routeKey) {
        return type.label() + "|" + routeKey;
    }

    /** The route for a request: longest bound path prefix of {@code path} (segment boundaries) on {@code host}. */
    public Optional<TunnelGroup> httpRoute(String host, String path) {
        for (String k : httpRouteKeys(host, path)) {
            TunnelGroup g = byKey.get(k);
            if (g != null && !g.isEmpty()) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /**
     * The route keys a request may match, best first: the longest bound path prefixes of {@code path} on
     * {@code host}, the bare host, then the same for each wildcard above it (only when no exact host matched).
     * At most ({@value #MAX_PATH_SEGMENTS} + 1) × (1 + wildcards) keys.
     */
    public static List<String> httpRouteKeys(String host, String path) {
        List<String> keys = new ArrayList<>();
        addHostKeys(keys, host, path);
        if (!host.startsWith("*.")) {
            for (String wildcard : HostPolicy.wildcardCandidates(host)) {
                addHostKeys(keys, wildcard, path);
            }
        }
        return keys;
    }

    private static void addHostKeys(List<String> keys, String host, String path) {
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        for (int i = 0; i < MAX_PATH_SEGMENTS && !p.isEmpty(); i++) {
            keys.add(key(Tunnel.TunnelType.HTTP, host + p));
            int slash = p.lastIndexOf('/');
            p = slash <= 0 ? "" : p.substring(0, slash);
        }
        keys.add(key(Tunnel.TunnelType.HTTP, host));
    }

    /** True when a local tunnel serves the route {@code key} (as made by {@link #key}). */
    public boolean servesLocally(String key) {
        TunnelGroup g = byKey.get(key);
        return g != null && !g.isEmpty();
    }

    /** Some HTTP tunnel on {@code host} (the root path first), for pages that speak of a host. */
    public Optional<Tunnel> httpTunnel(String host) {
        TunnelGroup g = byKey.get(key(Tunnel.TunnelType.HTTP, host));
        if (g != null && g.first() != null) {
            return Optional.of(g.first());
        }
        String prefix = key(Tunnel.TunnelType.HTTP, host + "/");
        for (var e : byKey.entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getValue().first() != null) {
                return Optional.of(e.getValue().first());
            }
        }
        return Optional.empty();
    }

    public Optional<TunnelGroup> group(Tunnel.TunnelType type, String routeKey) {
        return Optional.ofNullable(byKey.get(key(type, routeKey)));
    }

    public boolean isTaken(Tunnel.TunnelType type, String routeKey) {
        return byKey.containsKey(key(type, routeKey));
    }

    /**
     * Registers {@code tunnel} under its route key if {@code ownership} grants it; the decision and its effect happen
     * in one atomic step on that key. A take-over tells the displaced tunnel's owner and the removal listeners.
     */
    public ForwardOwnership.Decision claim(Tunnel tunnel, ForwardOwnership ownership) {
        return claim(tunnel, ownership, false);
    }

    /** Registers {@code tunnel} only on a free route (random names and ports never join or take over). */
    public boolean claimFree(Tunnel tunnel, ForwardOwnership ownership) {
        return claim(tunnel, ownership, true).verdict() == ForwardOwnership.Verdict.CLAIM;
    }

    /**
     * Registers {@code tunnel} (a TCP port) only on a route free on this node; with {@code takeOverElsewhere} (a
     * requested port) the same key holding it on another node loses it to this one, as a name would: locally sish's
     * rules stand, across nodes the same key moves at once. Refused: {@link ForwardOwnership.Decision#inUse} when
     * another holder has it, else the store's trouble.
     */
    public ForwardOwnership.Decision claimPort(Tunnel tunnel, ForwardOwnership ownership, boolean takeOverElsewhere) {
        return claim(tunnel, ownership, true, takeOverElsewhere);
    }

    private ForwardOwnership.Decision claim(Tunnel tunnel, ForwardOwnership ownership, boolean onlyIfFree) {
        return claim(tunnel, ownership, onlyIfFree, !onlyIfFree);
    }

    private ForwardOwnership.Decision claim(Tunnel tunnel, ForwardOwnership ownership, boolean onlyIfFree,
                                            boolean takeOverElsewhere) {
        String key = key(tunnel.type(), tunnel.routeKey());
        ForwardOwnership.Decision local = decide(tunnel, ownership, onlyIfFree, byKey.get(key));
        if (local.verdict() == ForwardOwnership.Verdict.CLAIM || local.verdict() == ForwardOwnership.Verdict.TAKE_OVER) {
            // A pool join needs no store claim: this node already holds the route for the pool's first member.
            RouteClaim c = claims.claim(key, tunnel, takeOverElsewhere);
            if (c == null) {
                return ForwardOwnership.Decision.refuse(STORE_UNREACHABLE);
            }
            if (!c.holds()) {
                return ForwardOwnership.Decision.refuse(
                        c.outcome() == RouteClaim.Outcome.FENCED ? NODE_FENCED : ForwardOwnership.IN_USE);
            }
        }
        ForwardOwnership.Decision[] outcome = new ForwardOwnership.Decision[1];
        byKey.compute(key, (k, group) -> {
            ForwardOwnership.Decision d = decide(tunnel, ownership, onlyIfFree, group);
            outcome[0] = d;
            switch (d.verdict()) {
                case CLAIM -> {
                    return new TunnelGroup(tunnel);
                }
                case JOIN -> group.add(tunnel);
                case TAKE_OVER -> group.replace(d.displaced(), tunnel);
                default -> { }
            }
            return group;
        });
        if (!outcome[0].granted()) {
            claims.release(key, () -> !servesLocally(key)); // the route went elsewhere between the two steps
        }
        Tunnel displaced = outcome[0].displaced();
        if (displaced != null) {
            displaced.owner().tunnelTakenOver(displaced);
            removalListeners.forEach(l -> l.accept(displaced));
        }
        return outcome[0];
    }

    private ForwardOwnership.Decision decide(Tunnel tunnel, ForwardOwnership ownership, boolean onlyIfFree,
                                             TunnelGroup group) {
        List<Tunnel> sameRoute = group == null ? List.of() : group.members();
        ForwardOwnership.Decision d = ownership.decide(tunnel, sameRoute, all());
        if (onlyIfFree && d.verdict() != ForwardOwnership.Verdict.CLAIM) {
            d = ForwardOwnership.Decision.refuse(ForwardOwnership.IN_USE);
        }
        return d;
    }

    static final String STORE_UNREACHABLE = "the cluster route store did not answer";
    /** Told to a user whose forward is refused while the store is away (no name can be claimed safely). */
    public static final String STORE_DOWN = "This tuns node cannot reach its cluster route store (Redis): new forwards"
            + " are refused until it is back; tunnels already open keep working. Try again in a moment.";
    static final String NODE_FENCED = "this node lost its cluster lease";

    /** Removes the tunnel if it is still registered (a taken-over tunnel no longer is). */
    public boolean remove(Tunnel tunnel) {
        boolean[] removed = new boolean[1];
        String key = key(tunnel.type(), tunnel.routeKey());
        byKey.computeIfPresent(key, (k, group) -> {
            removed[0] = group.remove(tunnel);
            return group.isEmpty() ? null : group;
        });
        if (removed[0]) {
            if (!servesLocally(key)) {
                claims.release(key, () -> !servesLocally(key));
            }
            removalListeners.forEach(l -> l.accept(tunnel));
        }
        return removed[0];
    }

    /** Null when new claims may go to the route store; the sentence for the user while it does not answer. */
    public String claimsRefusal() {
        return claims.reachable() ? null : STORE_DOWN;
    }

    /** The node's heartbeat reached the store ({@code true}) or did not: opens or closes {@link #claimsRefusal}. */
    public void storeReachable(boolean answered) {
        claims.reachable(answered);
    }

    /**
     * The node is draining: from now on a route whose last local tunnel leaves is not freed in the store, so only
     * the same key (reconnecting through another node) can take it until this node's lease ends.
     */
    public void keepRoutes() {
        claims.keepRoutes();
    }

    /**
     * Records in the store a route no tunnel stands for, held by this node (re-asserted with its routes): how other
     * nodes learn which SNI ports this node listens on ({@code sni-port|node:port}). Never waits.
     */
    public void mark(String route) {
        claims.mark(route);
    }

    /** Takes back a {@link #mark}. */
    public void unmark(String route) {
        claims.unmark(route);
    }

    /** This node's name in the route store. */
    public String node() {
        return claims.node();
    }

    /** Every route this node holds in the store, with the holder it claimed it as (to re-assert them). */
    public Map<String, RouteHolder> heldRoutes() {
        return claims.held();
    }

    /**
     * The holder this node last claimed {@code route} as, or null when it holds none; each claim makes a new
     * object, so comparing by identity tells whether a claim happened in between.
     */
    public RouteHolder heldRoute(String route) {
        return claims.holder(route);
    }

    /**
     * Another node holds {@code key} now (same key took it over there, or this node was fenced and lost it):
     * closes its local tunnels, telling each user {@code why}. Returns how many were closed.
     */
    public int routeLost(String key, String why) {
        claims.lost(key);
        TunnelGroup g = byKey.get(key);
        if (g == null) {
            return 0;
        }
        List<Tunnel> members = g.members();
        members.forEach(t -> t.owner().closeTunnel(t, why));
        return members.size();
    }

    /** Called after a tunnel left the table (to free its inspection history, metrics series ...). */
    public void onRemoval(Consumer<Tunnel> listener) {
        removalListeners.add(listener);
    }

    public Collection<Tunnel> httpTunnels() {
        return all().stream().filter(t -> t.type() == Tunnel.TunnelType.HTTP).toList();
    }

    public Collection<Tunnel> all() {
        List<Tunnel> out = new ArrayList<>();
        byKey.values().forEach(g -> out.addAll(g.members()));
        return out;
    }

    /** Number of tunnels (members), all types. */
    public int size() {
        return all().size();
    }
}
