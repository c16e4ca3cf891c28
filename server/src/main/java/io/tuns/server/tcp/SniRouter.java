package io.tuns.server.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.tuns.server.bridge.IdleCut;
import io.tuns.server.bridge.RawBridge;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.HopHeader;
import io.tuns.server.cluster.Splice;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyHeader;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.List;

/**
 * TLS passthrough: reads the ClientHello (at most {@link #MAX_CLIENT_HELLO_BYTES}, within
 * {@link #CLIENT_HELLO_TIMEOUT_MILLIS}), picks the SNI tunnel for its server name and becomes a raw bridge to
 * it; the ClientHello is not consumed, so the service completes the handshake with its own certificate.
 * Each connection waits on its own; none blocks the accept of others (sish peeks inline, defect §9.2).
 */
public final class SniRouter extends AbstractSniHandler<Object> {

    static final int MAX_CLIENT_HELLO_BYTES = 16 * 1024;
    static final long CLIENT_HELLO_TIMEOUT_MILLIS = 10_000;

    private final TunnelRegistry registry;
    private final ServerConfig cfg;
    private final boolean terminateUnknown;
    private final MemoryBudget memory;
    private final ClusterHop hop;

    SniRouter(TunnelRegistry registry, ServerConfig cfg, MemoryBudget memory) {
        this(registry, cfg, false, memory, null);
    }

    /** @param hop on a cluster node: a name no local tunnel serves is passed, still encrypted, to its holder */
    SniRouter(TunnelRegistry registry, ServerConfig cfg, MemoryBudget memory, ClusterHop hop) {
        this(registry, cfg, false, memory, hop);
    }

    /**
     * @param terminateUnknown on the HTTPS port ({@code --sni-proxy-https}): a name without an SNI tunnel is left
     *                         to the handlers after this one (tuns' own TLS), instead of being closed
     */
    private SniRouter(TunnelRegistry registry, ServerConfig cfg, boolean terminateUnknown, MemoryBudget memory,
                      ClusterHop hop) {
        super(MAX_CLIENT_HELLO_BYTES, CLIENT_HELLO_TIMEOUT_MILLIS);
        this.hop = hop;
        this.registry = registry;
        this.cfg = cfg;
        this.terminateUnknown = terminateUnknown;
        this.memory = memory;
    }

    /** For the HTTPS listener: passthrough for SNI tunnels, tuns' own TLS for every other name. */
    public static SniRouter sharingHttpsPort(TunnelRegistry registry, ServerConfig cfg, MemoryBudget memory) {
        return new SniRouter(registry, cfg, true, memory, null); // the HTTPS port's own peek hops (http/ClusterTlsPeek)
    }

    /** A local tunnel for the name; else, on a cluster node, a hop to the node holding it (a Channel) or null. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    protected Future<Object> lookup(ChannelHandlerContext ctx, String hostname) {
        Tunnel t = hostname == null ? null
                : registry.group(Tunnel.TunnelType.SNI, hostname).map(TunnelGroup::next).orElse(null);
        if (t != null || hop == null || hostname == null) {
            return ctx.executor().newSucceededFuture(t);
        }
        return (Future) hop.reach(ctx.channel(), List.of(TunnelRegistry.key(Tunnel.TunnelType.SNI, hostname)),
                ClientAddress.of(ctx.channel()), r -> HopHeader.Entry.RAW);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Object> future) {
        if (future.getNow() instanceof Channel owner) { // held on another node: spliced there, ClientHello first
            if (ctx.channel().isActive()) {
                Splice.joinReplacing(ctx, owner);
            } else {
                owner.close();
            }
            return;
        }
        Tunnel t = (Tunnel) future.getNow();
        if (!future.isSuccess() || t == null) {
            if (terminateUnknown) {
                ctx.pipeline().remove(this); // the buffered ClientHello goes on to tuns' own TLS handler
            } else {
                ctx.close(); // no tunnel for that name (or not TLS at all)
            }
            return;
        }
        // passthrough: nothing after this handler may touch the bytes (TLS termination, HTTP)
        while (ctx.pipeline().last() != this) {
            ctx.pipeline().removeLast();
        }
        if (cfg.idleConnection() && ctx.pipeline().get("idle") == null) { // on the HTTPS port it went with the HTTP handlers
            ctx.pipeline().addBefore(ctx.name(), "idle", new IdleCut(cfg.idleConnectionTimeout()));
        }
        ctx.pipeline().replace(this, "raw", new RawBridge(t,
                tried -> registry.group(Tunnel.TunnelType.SNI, hostname).map(g -> g.nextExcept(tried)).orElse(null),
                cfg.sshWriteHighWater(), cfg.sshWriteLowWater(), member -> ProxyHeader.forTunnel(member, ctx.channel()),
                ClientAddress.of(ctx.channel()), memory));
    }
}
