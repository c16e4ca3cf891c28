package io.tuns.server.http;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import java.time.Duration;

/**
 * Every answer tuns gives in its own name instead of the service's: which status, which sentence, which extra header.
 * Decides nothing about the connection (the proxy handler sends them and ends the exchange); table-tested in
 * {@code OwnAnswersTest}.
 */
final class OwnAnswers {

    private OwnAnswers() {
    }

    static FullHttpResponse noHost() {
        return ErrorPages.page(HttpResponseStatus.BAD_REQUEST, "Bad request",
                "The request has no Host header, so it cannot be routed to a tunnel.");
    }

    /** @param sentence {@link RootPage#sentence}: the real ssh command for this server */
    static FullHttpResponse rootPage(String sentence) {
        return ErrorPages.page(HttpResponseStatus.OK, "tuns", sentence);
    }

    /** {@code /_sish/health}: 200 "serving", or 503 with why not ({@code notReady}); never cached (as every page of ours). */
    static FullHttpResponse health(String notReady) {
        return ErrorPages.page(notReady == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                notReady == null ? "Serving" : "Not serving", notReady == null ? "This tuns node is serving." : notReady);
    }

    static FullHttpResponse noTunnel(String host) {
        return ErrorPages.page(HttpResponseStatus.NOT_FOUND, "No tunnel here", "No tunnel is open for " + host
                + ". If it is yours, check that your ssh -R command is still running.");
    }

    static FullHttpResponse unauthorized() {
        FullHttpResponse r = ErrorPages.page(HttpResponseStatus.UNAUTHORIZED, "Authentication required",
                "This tunnel is protected: send the user name and password its owner gave you.");
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"sish\"");
        return r;
    }

    /** The client address holds {@code limit} of the owner's channels already (--http-max-client-share). */
    static FullHttpResponse clientShareExceeded(int limit) {
        FullHttpResponse r = ErrorPages.page(HttpResponseStatus.TOO_MANY_REQUESTS, "Too many connections",
                "Your address holds " + limit + " of this tunnel's connections, the most one "
                        + "address may hold (--http-max-client-share). Try again when some have finished.");
        r.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
        return r;
    }

    /** The tunnel's channel would not open (and no other pool member took the request). */
    static FullHttpResponse openFailed(OpenFailure failure, String reason) {
        return switch (failure) {
            case TIMEOUT -> ErrorPages.page(HttpResponseStatus.GATEWAY_TIMEOUT, "Tunnel timed out",
                    "The tunnel's ssh client did not open a connection in time (" + reason + ").");
            case LIMIT -> ErrorPages.page(HttpResponseStatus.SERVICE_UNAVAILABLE, "Too many connections",
                    "The tunnel is at its connection limit: " + reason + ". Try again shortly.");
            case MEMORY -> {
                FullHttpResponse r = ErrorPages.page(HttpResponseStatus.SERVICE_UNAVAILABLE, "Server busy",
                        "No new connection through this tunnel now: " + reason + ".");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
                yield r;
            }
            case HOP -> ErrorPages.page(HttpResponseStatus.BAD_GATEWAY, "Tunnel node unreachable",
                    "The node holding this tunnel did not take the request (" + reason + "); try again.");
            default -> ErrorPages.page(HttpResponseStatus.BAD_GATEWAY, "Tunnel cannot reach its service",
                    "The ssh client behind this tunnel could not connect to its local service ("
                            + reason + "). Is the local server running?");
        };
    }

    /** The channel ended before any answer; {@code tlsFailure} says why TLS with the service failed, or is null. */
    static FullHttpResponse tunnelClosed(String tlsFailure) {
        return tlsFailure != null
                ? ErrorPages.page(HttpResponseStatus.BAD_GATEWAY, "TLS with the service failed", tlsFailure)
                : ErrorPages.page(HttpResponseStatus.BAD_GATEWAY, "Tunnel closed",
                        "The tunnel closed the connection before its service answered.");
    }

    static FullHttpResponse badResponse() {
        return ErrorPages.page(HttpResponseStatus.BAD_GATEWAY, "Bad response from the tunnel",
                "The service behind this tunnel sent something that is not valid HTTP/1.1.");
    }

    static FullHttpResponse consoleTooLarge(int maxBytes) {
        return ErrorPages.page(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "Too large",
                "Console requests are limited to " + maxBytes + " bytes.");
    }

    /** A request the codec could not parse; the limits name the flags a too-long line or head broke. */
    static FullHttpResponse badRequest(Throwable cause, int maxInitialLine, int maxHeaderSize) {
        if (cause instanceof TooLongHttpLineException) {
            return refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than " + maxInitialLine + " bytes.");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than " + maxHeaderSize + " bytes.");
        }
        String sentence = "The request is not valid HTTP/1.1: " + (cause == null ? "unknown error" : cause.getMessage());
        return refusal(cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST, sentence);
    }

    static FullHttpResponse bodyTimeout(Duration timeout) {
        return refusal(HttpResponseStatus.REQUEST_TIMEOUT, "The request body stopped arriving: nothing for "
                + timeout.toSeconds() + " s (--http-body-timeout).");
    }

    /** An answer after which the connection closes: what follows the request cannot be parsed safely. */
    static FullHttpResponse refusal(HttpResponseStatus status, String sentence) {
        FullHttpResponse r = ErrorPages.page(status, status.reasonPhrase(), sentence);
        HttpUtil.setKeepAlive(r, false);
        return r;
    }
}
