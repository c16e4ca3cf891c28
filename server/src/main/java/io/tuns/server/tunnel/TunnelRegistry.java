package io.tuns.server.tunnel;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The routing table: public host name → HTTP tunnel. Lookups are lock-free map reads on every request;
 * changes happen only when forwards are added or removed.
 */
public final class TunnelRegistry {

    /** What happened to a request for a name. */
    public enum Claim { CLAIMED, TAKEN_OVER, TAKEN }

    private final ConcurrentHashMap<String, Tunnel> httpByHost = new ConcurrentHashMap<>();
    private final List<Consumer<Tunnel>> removalListeners = new CopyOnWriteArrayList<>();

    public Optional<Tunnel> httpTunnel(String host) {
        return Optional.ofNullable(httpByHost.get(host));
    }

    public boolean isHttpHostTaken(String host) {
        return httpByHost.containsKey(host);
    }

    /**
     * Registers {@code tunnel} under its host unless another owner holds it. The same key on another
     * connection takes the name over at once (the old holder is usually a dead connection that keepalives
     * have not found yet; sish makes the user wait for that, issues #280/#328).
     */
    public Claim claimHttp(Tunnel tunnel) {
        Tunnel[] replaced = new Tunnel[1];
        Tunnel result = httpByHost.compute(tunnel.host(), (host, existing) -> {
            if (existing == null) {
                return tunnel;
            }
            if (sameKeyOtherConnection(existing, tunnel)) {
                replaced[0] = existing;
                return tunnel;
            }
            return existing;
        });
        if (result != tunnel) {
            return Claim.TAKEN;
        }
        if (replaced[0] != null) {
            replaced[0].owner().tunnelTakenOver(replaced[0]);
            removalListeners.forEach(l -> l.accept(replaced[0]));
            return Claim.TAKEN_OVER;
        }
        return Claim.CLAIMED;
    }

    private static boolean sameKeyOtherConnection(Tunnel existing, Tunnel claimant) {
        String a = existing.owner().keyFingerprint();
        return a != null && existing.owner() != claimant.owner()
                && Objects.equals(a, claimant.owner().keyFingerprint());
    }

    /** Removes the tunnel if it is still the one registered under its host. */
    public boolean remove(Tunnel tunnel) {
        boolean removed = httpByHost.remove(tunnel.host(), tunnel);
        if (removed) {
            removalListeners.forEach(l -> l.accept(tunnel));
        }
        return removed;
    }

    /** Called after a tunnel left the table (to free its inspection history, metrics series ...). */
    public void onRemoval(Consumer<Tunnel> listener) {
        removalListeners.add(listener);
    }

    public Collection<Tunnel> httpTunnels() {
        return List.copyOf(httpByHost.values());
    }

    public Map<String, Tunnel> snapshot() {
        return Map.copyOf(httpByHost);
    }

    public int size() {
        return httpByHost.size();
    }
}
