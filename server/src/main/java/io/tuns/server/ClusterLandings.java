package io.tuns.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.tuns.server.bridge.RawBridge;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.HopLanding;
import io.tuns.server.http.HttpFront;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyHeader;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What a node puts in front of a connection another node passed to it, by how that connection entered: plain
 * HTTP gets the HTTP handlers, TLS by SNI gets tuns' TLS then HTTP (when this node has --https), raw bytes (SNI
 * passthrough, TCP port, alias) get a raw bridge to a member of the route's tunnel group, as a local listener
 * would.
 */
final class ClusterLandings implements HopLanding {

    /** The water marks of the raw bridges (--ssh-write-high-water / -low-water). */
    record Raw(long highWater, long lowWater, MemoryBudget memory) {
    }

    private final TunnelRegistry registry;
    private final Consumer<Channel> installHttp;
    private final BiConsumer<Channel, String> landHttps;
    private final Raw raw;

    /** @param landHttps null without --https: TLS hops are not taken here */
    ClusterLandings(TunnelRegistry registry, Consumer<Channel> installHttp, BiConsumer<Channel, String> landHttps,
                    Raw raw) {
        this.registry = registry;
        this.installHttp = installHttp;
        this.landHttps = landHttps;
        this.raw = raw;
    }

    @Override
    public boolean serves(String route, HopHeader.Entry entry) {
        if (!registry.servesLocally(route)) {
            return false;
        }
        return switch (entry) {
            case HTTP, HTTP_TLS -> route.startsWith("http|");
            case HTTPS -> route.startsWith("http|") && landHttps != null;
            case RAW -> group(route).isPresent();
        };
    }

    @Override
    public void land(Channel ch, String route, HopHeader.Entry entry) {
        switch (entry) {
            case HTTP -> installHttp.accept(ch);
            case HTTP_TLS -> { // TLS the entry node terminated: the requests are HTTPS ones here
                HttpFront.clientTlsAtEntry(ch);
                installHttp.accept(ch);
            }
            case HTTPS -> landHttps.accept(ch, route);
            case RAW -> {
                TunnelGroup g = group(route).orElse(null);
                Tunnel t = g == null ? null : g.next();
                if (t == null) {
                    ch.close(); // the last member left between the answer and now
                    return;
                }
                // the entry's EOF (its client half-closed) becomes an EOF on the SSH channel, not a close
                ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                ch.pipeline().addLast("raw", new RawBridge(t, tried -> g.nextExcept(tried), raw.highWater(), raw.lowWater(),
                        member -> ProxyHeader.forTunnel(member, ch), ClientAddress.of(ch), raw.memory()));
            }
        }
    }

    /** The tunnel group of a raw route: {@code sni|name}, {@code tcp|domain:port} or {@code alias|name:port}. */
    private Optional<TunnelGroup> group(String route) {
        int bar = route.indexOf('|');
        Tunnel.TunnelType type = switch (route.substring(0, Math.max(bar, 0))) {
            case "sni" -> Tunnel.TunnelType.SNI;
            case "tcp" -> Tunnel.TunnelType.TCP;
            case "alias" -> Tunnel.TunnelType.ALIAS;
            default -> null;
        };
        return type == null ? Optional.empty() : registry.group(type, route.substring(bar + 1));
    }
}
