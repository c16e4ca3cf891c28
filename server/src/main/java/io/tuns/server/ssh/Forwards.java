package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;

/**
 * The per-kind forward allocators, the acknowledgement writer and the limit settings, built once per server
 * from its configuration and shared by every connection (they hold no per-connection state).
 */
record Forwards(HttpAllocator http, TcpAllocator tcp, AliasAllocator alias, SniAllocator sni,
                Acknowledgements acknowledgements, ForwardKind.Settings kinds, ConnectionLimits.Settings limits) {

    static Forwards of(SshContext ctx) {
        ServerConfig c = ctx.config();
        return new Forwards(
                new HttpAllocator(HttpAllocator.Settings.of(c), ctx.registry(), ctx.ownership(), ctx.names(),
                        ctx.hosts(), ctx.dns(), ctx.urls(), ctx.consoleTokens()),
                new TcpAllocator(TcpAllocator.Settings.of(c), ctx.registry(), ctx.ownership(), ctx.tcpListeners(),
                        ctx.sniListeners(), ctx.portRange()),
                new AliasAllocator(AliasAllocator.Settings.of(c), ctx.registry(), ctx.ownership(), ctx.names()),
                new SniAllocator(SniAllocator.Settings.of(c), ctx.registry(), ctx.ownership(), ctx.names(),
                        ctx.sniListeners(), ctx.portRange(), ctx.urls()),
                new Acknowledgements(Acknowledgements.Settings.of(c)),
                ForwardKind.Settings.of(c),
                ConnectionLimits.Settings.of(c));
    }
}
