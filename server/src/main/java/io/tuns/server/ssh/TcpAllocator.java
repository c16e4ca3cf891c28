package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tcp.TcpPortAllocator;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * TCP forwards: a public port (the requested one inside {@code --port-bind-range}, else random), or with
 * {@code --tcp-load-balancer} a seat in the pool of the same key's forward on that port.
 */
final class TcpAllocator {

    record Settings(String domain, boolean tcpLoadBalancer, TcpPortAllocator.Settings ports) {

        static Settings of(ServerConfig c) {
            return new Settings(c.domain(), c.tcpLoadBalancer(), TcpPortAllocator.Settings.of(c));
        }
    }

    private final Settings s;
    private final TunnelRegistry registry;
    private final ForwardOwnership ownership;
    private final TcpListeners listeners;
    private final SniListeners sniListeners;
    private final PortRange range;

    TcpAllocator(Settings settings, TunnelRegistry registry, ForwardOwnership ownership, TcpListeners listeners,
                 SniListeners sniListeners, PortRange range) {
        this.s = settings;
        this.registry = registry;
        this.ownership = ownership;
        this.listeners = listeners;
        this.sniListeners = sniListeners;
        this.range = range;
    }

    Allocation allocate(ForwardRequest r, Consumer<String> notices) {
        TunnelOptions opts = new TunnelOptions("", null, null, null, false, false, r.proxyProtocol());
        int port = r.port();
        if (s.tcpLoadBalancer() && port != 0 && !s.ports().bindRandomPorts()) {
            Allocation joined = joinPool(r, opts);
            if (joined != null) {
                return joined;
            }
        }
        TcpPortAllocator.Result bound = new TcpPortAllocator(s.ports(), listeners, range)
                .bind(r.bindAddress(), port, r.options().get("tcp-address"), this::heldByTunnel, (tunnelRef, tried) -> {
                    Tunnel t = tunnelRef.get(); // load-balanced members share the listener: pick per connection
                    return t == null ? null : registry.group(Tunnel.TunnelType.TCP, t.routeKey())
                            .map(g -> g.nextExcept(tried)).orElse(null);
                });
        int unavailable = bound.unavailablePort();
        if (bound.failure() != null) {
            String reason = SessionText.tcpPortReason(port, SessionText.portFailure(bound.failure(),
                    s.ports().portBindRange()));
            // sish's line when sish writes one, tuns' reason after it; alone where sish refuses silently
            return unavailable == TcpPortAllocator.NONE ? Allocation.refused("tcp", reason)
                    : Allocation.refused("tcp", SessionText.tcpPortUnavailable(unavailable, true), reason);
        }
        if (unavailable != TcpPortAllocator.NONE) {
            notices.accept(SessionText.tcpPortUnavailable(unavailable, s.ports().forceRequestedPorts()));
        }
        int actual = TcpListeners.port(bound.server());
        // OpenSSH matches forwarded-tcpip on the port it asked for, or on the allocated one if it asked for 0
        Tunnel tunnel = new Tunnel(Tunnel.TunnelType.TCP, s.domain() + ":" + actual, r.bindAddress(),
                port == 0 ? actual : port, r.owner(), "", Instant.now(), opts);
        bound.tunnelRef().set(tunnel);
        if (!registry.claimFree(tunnel, ownership)) {
            bound.server().close();
            return Allocation.refused("tcp", SessionText.tcpPortReason(actual, SessionText.portFailure(
                    TcpPortAllocator.Failure.IN_USE, s.ports().portBindRange())));
        }
        String key = tunnel.routeKey();
        listeners.adopt(key, bound.server());
        return Allocation.granted("tcp", tunnel, port == 0 ? actual : -1, banner(port, actual),
                () -> listeners.release(key));
    }

    /** --tcp-load-balancer: the same key asking for a port it already forwards shares that listener; else null. */
    private Allocation joinPool(ForwardRequest r, TunnelOptions opts) {
        String key = s.domain() + ":" + r.port();
        if (!registry.isTaken(Tunnel.TunnelType.TCP, key)) {
            return null;
        }
        Tunnel t = new Tunnel(Tunnel.TunnelType.TCP, key, r.bindAddress(), r.port(), r.owner(), "", Instant.now(), opts);
        if (!registry.claim(t, ownership).granted()) {
            return null; // another key's port: the bind that follows fails and a random port is given
        }
        if (!listeners.join(key)) { // its listener closed meanwhile: bind anew
            registry.remove(t);
            return null;
        }
        List<String> lines = new ArrayList<>(banner(r.port(), r.port()));
        lines.add(SessionText.tcpPortShared(r.port())); // tuns' own, after sish's
        return Allocation.granted("tcp", t, -1, lines, () -> listeners.release(key));
    }

    /** sish's TCPListeners: a TCP forward (keyed {@code domain:port}) or an SNI listener of this server holds it. */
    private boolean heldByTunnel(int port) {
        return registry.isTaken(Tunnel.TunnelType.TCP, s.domain() + ":" + port) || sniListeners.holds(port)
                || listeners.heldElsewhere(port); // another cluster node's forward: reported and randomised too
    }

    private List<String> banner(int requested, int actual) {
        return List.of(SessionText.forwardHeader("tcp", requested), SessionText.access("TCP", s.domain() + ":" + actual));
    }
}
