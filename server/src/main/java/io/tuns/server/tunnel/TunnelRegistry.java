package io.tuns.server.tunnel;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The routing table: HTTP host name → tunnel, alias {@code name:port} → tunnel, TCP port → tunnel. Lookups
 * are lock-free map reads on every request; changes happen only when forwards are added or removed.
 * A tunnel's {@link Tunnel#host()} is its key within its type.
 */
public final class TunnelRegistry {

    /** What happened to a request for a name. */
    public enum Claim { CLAIMED, TAKEN_OVER, TAKEN }

    private final ConcurrentHashMap<String, Tunnel> byKey = new ConcurrentHashMap<>();
    private final List<Consumer<Tunnel>> removalListeners = new CopyOnWriteArrayList<>();

    private static String key(Tunnel.TunnelType type, String host) {
        return type.label() + "|" + host;
    }

    public Optional<Tunnel> httpTunnel(String host) {
        return Optional.ofNullable(byKey.get(key(Tunnel.TunnelType.HTTP, host)));
    }

    /** The alias tunnel for {@code name:port} (name lower-case). */
    public Optional<Tunnel> alias(String nameAndPort) {
        return Optional.ofNullable(byKey.get(key(Tunnel.TunnelType.ALIAS, nameAndPort)));
    }

    public boolean isTaken(Tunnel.TunnelType type, String host) {
        return byKey.containsKey(key(type, host));
    }

    /**
     * Registers {@code tunnel} under its host unless another owner holds it. The same key on another
     * connection takes the name over at once (the old holder is usually a dead connection that keepalives
     * have not found yet; sish makes the user wait for that, issues #280/#328).
     */
    public Claim claimHttp(Tunnel tunnel) {
        return claim(tunnel);
    }

    /** As {@link #claimHttp}, for a tunnel of any type, under its type's key. */
    public Claim claim(Tunnel tunnel) {
        Tunnel[] replaced = new Tunnel[1];
        Tunnel result = byKey.compute(key(tunnel.type(), tunnel.host()), (k, existing) -> {
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
        boolean removed = byKey.remove(key(tunnel.type(), tunnel.host()), tunnel);
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
        return byKey.values().stream().filter(t -> t.type() == Tunnel.TunnelType.HTTP).toList();
    }

    public Collection<Tunnel> all() {
        return List.copyOf(byKey.values());
    }

    public int size() {
        return byKey.size();
    }
}
