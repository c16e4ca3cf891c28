package io.tuns.server.tls;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.tunnel.AcmeCoordination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What the plain-HTTP listener asks before routing a request: an ACME HTTP-01 answer for any host.
 * ({@code --force-all-https} is a routing decision, made per tunnel in the http package as sish makes it.)
 * On a cluster node, {@code shared} (else null) holds the answers other nodes' orders wait on: the CA may reach
 * any node.
 */
public record TlsHooks(ChallengeResponder challenges, AcmeCoordination shared) {

    /** The longest a request for another node's challenge waits for the store before its 404. */
    public static final Duration CLUSTER_WAIT = Duration.ofSeconds(2);
    /** RFC 8555 tokens are base64url; anything else is not asked of the store. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

    public TlsHooks(ChallengeResponder challenges) {
        this(challenges, null);
    }

    /**
     * @param uri the request target
     * @return the response to send instead of routing, or null to route as usual
     */
    public FullHttpResponse intercept(String uri) {
        if (challenges != null && uri.startsWith(ChallengeResponder.PATH_PREFIX)) {
            String token = uri.substring(ChallengeResponder.PATH_PREFIX.length());
            Optional<String> answer = challenges.answer(token);
            if (answer.isPresent()) {
                return answerOf(answer.get());
            }
        }
        return null;
    }

    /**
     * A challenge this node does not hold ({@link #intercept} said null): what another node published, or empty
     * after at most {@link #CLUSTER_WAIT} (store away, token unknown). Null when there is nothing to ask: a single
     * node, not a challenge path, or not a token. Completes off the event loop.
     */
    public CompletionStage<Optional<String>> askCluster(String uri) {
        if (shared == null || challenges == null || !uri.startsWith(ChallengeResponder.PATH_PREFIX)) {
            return null;
        }
        String token = uri.substring(ChallengeResponder.PATH_PREFIX.length());
        if (!TOKEN.matcher(token).matches()) {
            return null;
        }
        return shared.lookup(token).toCompletableFuture().orTimeout(CLUSTER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((answer, error) -> error == null ? answer : Optional.<String>empty());
    }

    /** The CA's 200 with the key authorization. */
    public static FullHttpResponse answerOf(String keyAuthorization) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(keyAuthorization, StandardCharsets.US_ASCII));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }
}
