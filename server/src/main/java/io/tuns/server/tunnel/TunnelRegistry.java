package io.tuns.server.tunnel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The routing table: HTTP host+path → tunnels, alias {@code name:port} → tunnels, TCP {@code domain:port} →
 * tunnels. Each name holds a {@link TunnelGroup} (several members only with a load balancer flag). Lookups are
 * lock-free map reads on every request; changes happen only when forwards come and go.
 */
public final class TunnelRegistry {

    /** Longest path prefixes tried per request (one map read each). */
    static final int MAX_PATH_SEGMENTS = 16;

    private final ConcurrentHashMap<String, TunnelGroup> byKey = new ConcurrentHashMap<>();
    private final List<Consumer<Tunnel>> removalListeners = new CopyOnWriteArrayList<>();

    private static String key(Tunnel.TunnelType type, String routeKey) {
        return type.label() + "|" + routeKey;
    }

    /** The route for a request: longest bound path prefix of {@code path} (segment boundaries) on {@code host}. */
    public Optional<TunnelGroup> httpRoute(String host, String path) {
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        for (int i = 0; i < MAX_PATH_SEGMENTS && !p.isEmpty(); i++) {
            TunnelGroup g = byKey.get(key(Tunnel.TunnelType.HTTP, host + p));
            if (g != null && !g.isEmpty()) {
                return Optional.of(g);
            }
            int slash = p.lastIndexOf('/');
            p = slash <= 0 ? "" : p.substring(0, slash);
        }
        TunnelGroup root = byKey.get(key(Tunnel.TunnelType.HTTP, host));
        if (root != null && !root.isEmpty()) {
            return Optional.of(root);
        }
        if (host.startsWith("*.")) {
            return Optional.empty();
        }
        for (String wildcard : HostPolicy.wildcardCandidates(host)) { // only when no exact host matched
            Optional<TunnelGroup> w = httpRoute(wildcard, path);
            if (w.isPresent()) {
                return w;
            }
        }
        return Optional.empty();
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

    private ForwardOwnership.Decision claim(Tunnel tunnel, ForwardOwnership ownership, boolean onlyIfFree) {
        ForwardOwnership.Decision[] outcome = new ForwardOwnership.Decision[1];
        byKey.compute(key(tunnel.type(), tunnel.routeKey()), (k, group) -> {
            List<Tunnel> sameRoute = group == null ? List.of() : group.members();
            ForwardOwnership.Decision d = ownership.decide(tunnel, sameRoute, all());
            if (onlyIfFree && d.verdict() != ForwardOwnership.Verdict.CLAIM) {
                d = ForwardOwnership.Decision.refuse(ForwardOwnership.IN_USE);
            }
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
        Tunnel displaced = outcome[0].displaced();
        if (displaced != null) {
            displaced.owner().tunnelTakenOver(displaced);
            removalListeners.forEach(l -> l.accept(displaced));
        }
        return outcome[0];
    }

    /** Removes the tunnel if it is still registered (a taken-over tunnel no longer is). */
    public boolean remove(Tunnel tunnel) {
        boolean[] removed = new boolean[1];
        byKey.computeIfPresent(key(tunnel.type(), tunnel.routeKey()), (k, group) -> {
            removed[0] = group.remove(tunnel);
            return group.isEmpty() ? null : group;
        });
        if (removed[0]) {
            removalListeners.forEach(l -> l.accept(tunnel));
        }
        return removed[0];
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
