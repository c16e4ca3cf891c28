package io.tuns.server.ssh;

import io.tuns.server.config.HostPort;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HttpBinding;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * TLS passthrough forwards ({@code sni-proxy=true}): the name routes ClientHellos on a listener shared by all SNI
 * tunnels on that port. The port must be inside {@code --port-bind-range}, unless it is the HTTPS port shared
 * with {@code --sni-proxy-https} (the HTTPS listener routes those names itself).
 */
final class SniAllocator {

    /** @param httpsPort the port of {@code --https-address}, which counts as 443 with {@code --sni-proxy-https} */
    record Settings(String domain, boolean sharesHttpsPort, int httpsPort, String portBindRange,
                    boolean forceTcpAddress, String tcpAddress) {

        static Settings of(ServerConfig c) {
            return new Settings(c.domain(), c.https() && c.sniProxyHttps(),
                    HostPort.parse(c.httpsAddress(), "https-address").port(), c.portBindRange(),
                    c.forceTcpAddress(), c.tcpAddress());
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

    Allocation allocate(ForwardRequest r) {
        int port = r.port();
        String name = HttpBinding.hostPart(r.bindAddress());
        String host = name.endsWith("." + s.domain()) ? name : names.hostFor(name);
        String asked = r.options().get("tcp-address");
        String listenHost = asked != null && !s.forceTcpAddress() ? asked : s.tcpAddress();
        boolean onHttpsPort = s.sharesHttpsPort() && (port == 443 || port == s.httpsPort());
        if (!onHttpsPort && !range.contains(port)) { // sish checks SNI listeners against the range too
            return Allocation.refused("sni", "The TLS port " + port
                    + " is outside the ports this server allows (--port-bind-range " + s.portBindRange() + ").");
        }
        Tunnel tunnel = new Tunnel(Tunnel.TunnelType.SNI, host, r.bindAddress(), port, r.owner(), "", Instant.now(),
                new TunnelOptions("", null, null, null, false, false, r.proxyProtocol()));
        ForwardOwnership.Decision claim = registry.claim(tunnel, ownership);
        if (!claim.granted()) {
            return Allocation.refused("sni", "The TLS name " + host + " is unavailable: " + claim.reason() + ".");
        }
        Runnable release = Allocation.NOTHING;
        if (!onHttpsPort) {
            try {
                listeners.acquire(listenHost, port);
            } catch (Exception e) {
                registry.remove(tunnel);
                return Allocation.refused("sni", "The TLS port " + port + " cannot be opened: " + e.getMessage());
            }
            release = () -> listeners.release(listenHost, port);
        }
        return Allocation.granted("sni", tunnel, -1, List.of(SessionText.forwardHeader("tls", port),
                SessionText.access("TLS", host + ":" + (onHttpsPort ? urls.get().httpsPort() : port))), release);
    }
}
