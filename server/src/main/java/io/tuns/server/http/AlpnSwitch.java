package io.tuns.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * After the TLS handshake on the HTTPS listener, installs what ALPN chose: HTTP/2 for {@code h2}, else the
 * HTTP/1.1 handlers (also for clients that send no ALPN at all). Netty's base class holds what arrives before the
 * handshake event and hands it on at once: at most the rest of the TLS read that finished the handshake.
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

    private final HttpContext hc;
    private final String arrivedFor;

    AlpnSwitch(HttpContext hc) {
        this(hc, null);
    }

    /** @param arrivedFor the SNI name another node passed the connection here for, or null */
    AlpnSwitch(HttpContext hc, String arrivedFor) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.hc = hc;
        this.arrivedFor = arrivedFor;
    }

    /**
     * As Netty's, but asks the client's own TLS handler for the protocol: on a connection another node passed
     * here, the first SslHandler in the pipeline is the hop's, which negotiated nothing.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            try {
                SslHandler client = ClientTls.handler(ctx.pipeline());
                String protocol = client == null ? null : client.applicationProtocol();
                configurePipeline(ctx, protocol != null ? protocol : ApplicationProtocolNames.HTTP_1_1);
            } catch (Exception e) {
                exceptionCaught(ctx, e);
            } finally {
                if (ctx.pipeline().context(this) != null) {
                    ctx.pipeline().remove(this);
                }
            }
            ctx.fireUserEventTriggered(evt);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            H2Connection.install(ctx.pipeline(), hc, arrivedFor);
            return;
        }
        HttpsFront.installHttp(ctx.channel(), hc, arrivedFor);
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
