package io.tuns.server.tcp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import io.tuns.server.bridge.IdleCut;
import io.tuns.server.bridge.RawBridge;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.proxyproto.ClientAddress;
import io.tuns.server.proxyproto.ProxyHeader;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelRegistry;

/**
 * TLS passthrough: reads the ClientHello (at most {@link #MAX_CLIENT_HELLO_BYTES}, within
 * {@link #CLIENT_HELLO_TIMEOUT_MILLIS}), picks the SNI tunnel for its server name and becomes a raw bridge to
 * it; the ClientHello is not consumed, so the service completes the handshake with its own certificate.
 * Each connection waits on its own; none blocks the accept of others (sish peeks inline, defect §9.2).
 */
public final class SniRouter extends AbstractSniHandler<Tunnel> {

    static final int MAX_CLIENT_HELLO_BYTES = 16 * 1024;
    static final long CLIENT_HELLO_TIMEOUT_MILLIS = 10_000;

    private final TunnelRegistry registry;
    private final ServerConfig cfg;
    private final boolean terminateUnknown;
    private final MemoryBudget memory;

    SniRouter(TunnelRegistry registry, ServerConfig cfg, MemoryBudget memory) {
        this(registry, cfg, false, memory);
    }

    /**
     * @param terminateUnknown on the HTTPS port ({@code --sni-proxy-https}): a name without an SNI tunnel is left
     *                         to the handlers after this one (tuns' own TLS), instead of being closed
     */
    private SniRouter(TunnelRegistry registry, ServerConfig cfg, boolean terminateUnknown, MemoryBudget memory) {
        super(MAX_CLIENT_HELLO_BYTES, CLIENT_HELLO_TIMEOUT_MILLIS);
        this.registry = registry;
        this.cfg = cfg;
        this.terminateUnknown = terminateUnknown;
        this.memory = memory;
    }

    /** For the HTTPS listener: passthrough for SNI tunnels, tuns' own TLS for every other name. */
    public static SniRouter sharingHttpsPort(TunnelRegistry registry, ServerConfig cfg, MemoryBudget memory) {
        return new SniRouter(registry, cfg, true, memory);
    }

    @Override
    protected Future<Tunnel> lookup(ChannelHandlerContext ctx, String hostname) {
        Tunnel t = hostname == null ? null
                : registry.group(Tunnel.TunnelType.SNI, hostname).map(TunnelGroup::next).orElse(null);
        return ctx.executor().newSucceededFuture(t);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<Tunnel> future) {
        Tunnel t = future.getNow();
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
