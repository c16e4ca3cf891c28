package io.tuns.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A response the service delimits by closing its connection would reach the client the same way, and then a cut-off
 * (ssh client killed mid-body) looks like a clean end. As nginx does, such a response goes to an HTTP/1.1 client
 * chunked: a complete body ends with the final chunk, a cut-off one without it, which clients report as an error.
 */
final class ResponseFraming {

    private ResponseFraming() {
    }

    /** Sets Transfer-Encoding: chunked on {@code response} when it has no length of its own and may have a body. */
    static void chunkIfUndelimited(HttpRequest request, HttpResponse response) {
        int code = response.status().code();
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1) && code >= 200 && code != 204 && code != 304
                && !request.method().equals(HttpMethod.HEAD)
                && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                && !HttpUtil.isTransferEncodingChunked(response)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
    }
}
