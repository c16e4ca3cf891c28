package io.tuns.server.console;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * One console request as its handlers need it, read before the request is released; answers go out in request order
 * on its connection.
 *
 * @param host       lower-case, without port
 * @param rootDomain true on the bare domain (the admin console)
 */
record ConsoleCall(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, String path,
                   String host, boolean rootDomain, boolean keepAlive) {

    boolean get() {
        return request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
    }

    boolean post() {
        return request.method().equals(HttpMethod.POST);
    }

    /** JSON callers get JSON errors; a browser on a page gets a page. */
    boolean api() {
        return path.startsWith("/_sish/api/");
    }

    void send(FullHttpResponse response) {
        Replies.send(ctx, keepAlive, response);
    }
}
