package io.tuns.server.http;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The service's answer on its way to the client, one decoded object at a time: the head made fit for the client
 * (keep-alive only as both sides allow; re-framed as chunked when its end would be a close, so a cut-off shows),
 * the bytes counted and captured, and the exchange told where its answer stands ({@link ProxyExchange.Response}).
 * Writes only; what follows an end (finish, or a raw relay after a 101) is the caller's.
 */
final class ResponseRelay {

    private final HttpEvents events;
    private final ClientOutput out;

    ResponseRelay(HttpEvents events, ClientOutput out) {
        this.events = events;
        this.out = out;
    }

    /** Takes {@code o}, a well-formed part of {@code ex}'s answer; returns its write, or null if none. */
    ChannelFuture relay(ProxyExchange ex, HttpObject o) {
        if (o instanceof HttpResponse r) {
            int code = r.status().code();
            ex.headRelayed(code);
            if (ex.response() == ProxyExchange.Response.STREAMING) {
                ex.recorder.responseHead(r);
                ex.keepAlive &= HttpUtil.isKeepAlive(r);
                if (!ex.keepAlive && code != 101) {
                    HttpUtil.setKeepAlive(r, false);
                }
                ResponseFraming.chunkIfUndelimited(ex.request, r);
            }
            return out.write(o);
        }
        if (!(o instanceof HttpContent c)) {
            ReferenceCountUtil.release(o);
            return null;
        }
        boolean informational = ex.response() == ProxyExchange.Response.INFORMATIONAL;
        if (!informational) {
            events.bytes("out", c.content().readableBytes());
            ex.recorder.responseContent(c.content());
        }
        HttpHeaders trailers = c instanceof LastHttpContent l ? l.trailingHeaders() : null;
        ChannelFuture f = out.write(c);
        if (trailers != null) {
            if (!informational && ex.status() == 101) {
                ex.recorder.upgraded();
            } else if (!informational) {
                ex.recorder.responseEnd(trailers);
            }
            ex.bodyEnded(); // a 1xx goes back to waiting for the real head
        }
        return f;
    }
}
