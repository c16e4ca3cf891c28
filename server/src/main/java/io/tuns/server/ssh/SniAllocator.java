package io.tuns.server.ssh;

import io.tuns.server.config.HostPort;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpPortAllocator;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HttpBinding;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * TLS passthrough forwards ({@code sni-proxy=true}): the name routes ClientHellos on a listener shared by all SNI
 * tunnels on that port. As in sish (tcphandler.go: GetOpenPort, then GetOpenSNIHost) the port is chosen first, as
 * for a TCP forward ("The TCP port … is unavailable. Assigning a random port." outside {@code --port-bind-range}),
 * then the name ("The subdomain … is unavailable. Assigning a random subdomain." when taken, banned or under
 * {@code --bind-random-subdomains}); {@code --force-requested-ports} / {@code --force-requested-subdomains} turn
 * each into a refusal. The HTTPS port shared with {@code --sni-proxy-https} needs no range check (the HTTPS
 * listener routes those names itself).
 */
final class SniAllocator {

    /** @param httpsPort the port of {@code --https-address}, which counts as 443 with {@code --sni-proxy-https} */
    record Settings(String domain, boolean sharesHttpsPort, int httpsPort, boolean forceTcpAddress, String tcpAddress,
                    boolean forceRequestedSubdomains, boolean bindRandomSubdomains, TcpPortAllocator.Settings ports) {

        static Settings of(ServerConfig c) {
            return new Settings(c.domain(), c.https() && c.sniProxyHttps(),
                    HostPort.parse(c.httpsAddress(), "https-address").port(), c.forceTcpAddress(), c.tcpAddress(),
                    c.forceRequestedSubdomains(), c.bindRandomSubdomains(), TcpPortAllocator.Settings.of(c));
        }
    }

    private final Settings s;
    private final TunnelRegistry registry;
    private final ForwardOwnership ownership;
    private final NameAllocator names;
    private final SniListeners listeners;
    private final PortRange range;
    private final Supplier<PublicUrls> urls;

    SniAllocator(Settings settings, TunnelRegistry registry, ForwardOwnership ownership, NameAllocator names,
                 SniListeners listeners, PortRange range, Supplier<PublicUrls> urls) {
        this.s = settings;
        this.registry = registry;
        this.ownership = ownership;
        this.names = names;
        this.listeners = listeners;
        this.range = range;
        this.urls = urls;
    }

    Allocation allocate(ForwardRequest r, Consumer<String> notices) {
        int port = r.port();
        String name = HttpBinding.hostPart(r.bindAddress()).toLowerCase(Locale.ROOT);
        String requested = names.requestedName(name); // ForwardKind sends only named forwards here
        String host = requested == null ? name + "." + s.domain() : names.hostFor(requested);
        String asked = r.options().get("tcp-address");
        String listenHost = asked != null && !s.forceTcpAddress() ? asked : s.tcpAddress();

        // 1. the port (sish's GetOpenPort), so its line comes before the name's
        int listenPort;
        Runnable release;
        if (s.sharesHttpsPort() && (port == 443 || port == s.httpsPort())) {
            listenPort = urls.get().httpsPort();
            release = Allocation.NOTHING;
        } else {
            TcpPortAllocator.Choice<Integer> c = TcpPortAllocator.choose(s.ports(), range, port,
                    this::heldByTcpTunnel, p -> listeners.acquire(listenHost, p));
            if (c.failure() != null) {
                String reason = SessionText.tcpPortReason(port, SessionText.portFailure(c.failure(),
                        s.ports().portBindRange()));
                return c.unavailablePort() == TcpPortAllocator.NONE ? Allocation.refused("sni", reason)
                        : Allocation.refused("sni", SessionText.tcpPortUnavailable(port, true), reason);
            }
            if (c.unavailablePort() != TcpPortAllocator.NONE) {
                notices.accept(SessionText.tcpPortUnavailable(c.unavailablePort(), s.ports().forceRequestedPorts()));
            }
            int bound = c.bound();
            listenPort = bound;
            release = () -> listeners.release(listenHost, bound);
        }

        // 2. the name (sish's GetOpenSNIHost)
        String reason = requested == null ? SessionText.RESERVED : names.refusalReason(requested);
        if (reason == null) {
            Tunnel t = sni(host, r);
            ForwardOwnership.Decision claim = registry.claim(t, ownership);
            switch (claim.verdict()) {
                case TAKE_OVER -> notices.accept(SessionText.subdomainTakenOver(requested));
                case JOIN -> notices.accept(SessionText.subdomainShared(requested));
                default -> { }
            }
            if (claim.granted()) {
                return granted(t, port, listenPort, release);
            }
            reason = claim.reason();
        }
        if (s.forceRequestedSubdomains()) { // sish's line, then tuns' reason
            release.run();
            return Allocation.refused("sni", SessionText.subdomainUnavailable(host, true),
                    SessionText.subdomainReason(host, reason));
        }
        notices.accept(SessionText.subdomainUnavailable(host, false));
        if (!s.bindRandomSubdomains()) {
            notices.accept(SessionText.subdomainReason(host, reason));
        }
        for (int attempt = 0; attempt < HttpAllocator.RANDOM_ATTEMPTS; attempt++) {
            Tunnel t = sni(names.hostFor(names.randomName(attempt)), r);
            if (registry.claimFree(t, ownership)) {
                return granted(t, port, listenPort, release);
            }
        }
        release.run();
        return Allocation.refused("sni", SessionText.noRandomSubdomain());
    }

    /**
     * A plain TCP forward of this server on the port. sish would hang the SNI names on that TCP listener (its
     * TCPListeners map holds both kinds), which then serves neither properly; tuns reports the port and takes a
     * random one, as sish does for a port its own forwards hold.
     */
    private boolean heldByTcpTunnel(int port) {
        return registry.isTaken(Tunnel.TunnelType.TCP, s.domain() + ":" + port);
    }

    private static Tunnel sni(String host, ForwardRequest r) {
        // bindPort stays what the client asked for: OpenSSH matches forwarded-tcpip on it
        return new Tunnel(Tunnel.TunnelType.SNI, host, r.bindAddress(), r.port(), r.owner(), "", Instant.now(),
                new TunnelOptions("", null, null, null, false, false, r.proxyProtocol()));
    }

    private static Allocation granted(Tunnel t, int requestedPort, int listenPort, Runnable release) {
        // tcphandler.go: "%s: %s:%d", BgBlue("TLS"), the name, the listener's port
        return Allocation.granted("sni", t, -1, List.of(SessionText.forwardHeader("tls", requestedPort),
                SessionText.access("TLS", t.host() + ":" + listenPort)), release);
    }
}
