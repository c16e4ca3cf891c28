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
 * What the plain-HTTP listener asks before routing a request: an ACME HTTP-01 answer for any host.
 * ({@code --force-all-https} is a routing decision, made per tunnel in the http package as sish makes it.)
 */
public record TlsHooks(ChallengeResponder challenges) {

    /**
     * @param uri the request target
     * @return the response to send instead of routing, or null to route as usual
     */
    public FullHttpResponse intercept(String uri) {
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
        return null;
    }
}
