package io.tuns.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * After the TLS handshake on the HTTPS listener, installs what ALPN chose: HTTP/2 for {@code h2}, else the
 * HTTP/1.1 handlers (also for clients that send no ALPN at all). Netty's base class holds what arrives before the
 * handshake event and hands it on at once: at most the rest of the TLS read that finished the handshake.
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

    private final HttpContext hc;

    AlpnSwitch(HttpContext hc) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.hc = hc;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            H2Connection.install(ctx.pipeline(), hc);
            return;
        }
        HttpFront.installHttp(ctx.pipeline(), hc);
        // the HTTP/1.1 handlers came after the connection went active: start their timers (request head) now
        ctx.fireChannelActive();
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // scanners and bad clients on a public port: no log line per connection
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
