package io.tuns.server.ssh;

import io.netty.channel.Channel;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tcp.TcpPortAllocator;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

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
        Tries tries = new Tries(r, opts);
        TcpPortAllocator.Choice<Tunnel> bound = TcpPortAllocator.choose(s.ports(), range, port,
                p -> heldByTunnel(p) || tries.heldInStore.contains(p), tries::bind);
        if (tries.stopped != null) { // the store did not answer (or this node is fenced): no port is safe now
            return Allocation.refused("tcp", SessionText.tcpPortReason(port, tries.stopped));
        }
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
        Tunnel tunnel = bound.bound();
        int actual = TcpListeners.port(tries.server);
        String key = tunnel.routeKey();
        listeners.adopt(key, tries.server);
        return Allocation.granted("tcp", tunnel, port == 0 ? actual : -1, banner(port, actual),
                () -> listeners.release(key));
    }

    /**
     * One forward's tries at ports, for {@link TcpPortAllocator#choose}: bind, then claim in the cluster's store, so
     * a port another node holds (the store says so before this node mirrors it) is passed over like a taken one:
     * the requested port gets sish's "unavailable" line and a random one, a random pick another try. A requested
     * port this node mirrors for another node is claimed first, as a take-over of the same key's forward there,
     * and bound once the mirror yielded it.
     */
    private final class Tries {
        private final ForwardRequest r;
        private final TunnelOptions opts;
        private final String host;
        private final TcpPortAllocator.FirstStep first;
        /** Ports the store said another holder has: this forward's tries only (at most 2 + the random attempts). */
        final Set<Integer> heldInStore = new HashSet<>();
        /** Why no port can be had now (the store's trouble); then every further try fails at once. */
        String stopped;
        /** The listener of the port granted. */
        Channel server;

        Tries(ForwardRequest r, TunnelOptions opts) {
            this.r = r;
            this.opts = opts;
            this.host = TcpPortAllocator.bindHost(s.ports(), r.bindAddress(), r.options().get("tcp-address"));
            this.first = TcpPortAllocator.firstStep(r.port(), range.accepts(r.port()), s.ports().bindRandomPorts(),
                    s.ports().forceRequestedPorts());
        }

        Tunnel bind(int p) throws Exception {
            if (stopped != null) {
                throw new IOException(stopped);
            }
            boolean requested = p != 0 && p == r.port();
            AtomicReference<Tunnel> ref = new AtomicReference<>();
            if (requested && TcpPortAllocator.claimBeforeBind(first, listeners.heldElsewhere(p),
                    registry.isTaken(Tunnel.TunnelType.TCP, s.domain() + ":" + p) || sniListeners.holds(p))) {
                Tunnel t = tunnel(p, p);
                ref.set(t);
                claim(t, p, true);
                listeners.yieldElsewhere(p); // the same key's forward moved here: the mirror gives the port up
                try {
                    server = listeners.bind(host, p, pick(ref));
                } catch (Exception e) {
                    registry.remove(t); // someone else took the port meanwhile: free the claim again
                    throw e;
                }
                return t;
            }
            Channel ch = listeners.bind(host, p, pick(ref));
            int actual = TcpListeners.port(ch);
            Tunnel t = tunnel(actual, r.port() == 0 ? actual : r.port());
            ref.set(t);
            try {
                claim(t, actual, requested);
            } catch (Exception e) {
                ch.close();
                throw e;
            }
            server = ch;
            return t;
        }

        private void claim(Tunnel t, int p, boolean takeOverElsewhere) throws IOException {
            ForwardOwnership.Decision d = registry.claimPort(t, ownership, takeOverElsewhere);
            if (d.granted()) {
                return;
            }
            if (d.inUse()) {
                heldInStore.add(p);
            } else {
                stopped = d.reason();
            }
            throw new IOException(d.reason());
        }

        /** OpenSSH matches forwarded-tcpip on the port it asked for, or on the allocated one if it asked for 0. */
        private Tunnel tunnel(int actual, int asked) {
            return new Tunnel(Tunnel.TunnelType.TCP, s.domain() + ":" + actual, r.bindAddress(), asked, r.owner(), "",
                    Instant.now(), opts);
        }

        /** Load-balanced members share the listener: a member per connection. */
        private Function<Collection<Tunnel>, Tunnel> pick(AtomicReference<Tunnel> ref) {
            return tried -> {
                Tunnel t = ref.get();
                return t == null ? null : registry.group(Tunnel.TunnelType.TCP, t.routeKey())
                        .map(g -> g.nextExcept(tried)).orElse(null);
            };
        }
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
