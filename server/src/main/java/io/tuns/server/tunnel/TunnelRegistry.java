package io.tuns.server.tunnel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
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

    /** What happened to a request for a name. */
    public enum Claim { CLAIMED, JOINED, TAKEN_OVER, TAKEN }

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

    public Claim claimHttp(Tunnel tunnel) {
        return claim(tunnel, false);
    }

    public Claim claim(Tunnel tunnel) {
        return claim(tunnel, false);
    }

    /**
     * Registers {@code tunnel} under its route key. A free name is claimed. The same key on another connection
     * takes its member's place at once (the old holder is usually a dead connection keepalives have not found
     * yet; sish makes the user wait, issues #280/#328). Otherwise it joins the group when {@code loadBalance},
     * or is refused.
     */
    public Claim claim(Tunnel tunnel, boolean loadBalance) {
        Claim[] outcome = new Claim[1];
        Tunnel[] replaced = new Tunnel[1];
        byKey.compute(key(tunnel.type(), tunnel.routeKey()), (k, group) -> {
            if (group == null || group.isEmpty()) {
                outcome[0] = Claim.CLAIMED;
                return new TunnelGroup(tunnel);
            }
            for (Tunnel existing : group.members()) {
                if (sameKeyOtherConnection(existing, tunnel)) {
                    group.replace(existing, tunnel);
                    replaced[0] = existing;
                    outcome[0] = Claim.TAKEN_OVER;
                    return group;
                }
            }
            if (loadBalance) {
                group.add(tunnel);
                outcome[0] = Claim.JOINED;
            } else {
                outcome[0] = Claim.TAKEN;
            }
            return group;
        });
        if (replaced[0] != null) {
            replaced[0].owner().tunnelTakenOver(replaced[0]);
            removalListeners.forEach(l -> l.accept(replaced[0]));
        }
        return outcome[0];
    }

    private static boolean sameKeyOtherConnection(Tunnel existing, Tunnel claimant) {
        String a = existing.owner().keyFingerprint();
        return a != null && existing.owner() != claimant.owner()
                && Objects.equals(a, claimant.owner().keyFingerprint());
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
