package io.tuns.server.tls;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What the plain-HTTP listener asks before routing a request: an ACME HTTP-01 answer, or a
 * {@code --force-all-https} redirect. Either part may be null (off).
 */
public record TlsHooks(ChallengeResponder challenges, HttpsRedirect redirect) {

    /**
     * @param host        the request's host (no port, lower case)
     * @param uri         the request target
     * @param tunnelHost  whether {@code host} is an HTTP tunnel (only tunnels are redirected)
     * @return the response to send instead of routing, or null to route as usual
     */
    public FullHttpResponse intercept(String host, String uri, boolean tunnelHost) {
        if (challenges != null && uri.startsWith(ChallengeResponder.PATH_PREFIX)) {
            String token = uri.substring(ChallengeResponder.PATH_PREFIX.length());
            Optional<String> answer = challenges.answer(token);
            if (answer.isPresent()) {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(answer.get(), StandardCharsets.US_ASCII));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                return r;
            }
        }
        if (redirect != null && tunnelHost) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.MOVED_PERMANENTLY, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.LOCATION, redirect.location(host, uri));
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            return r;
        }
        return null;
    }
}
