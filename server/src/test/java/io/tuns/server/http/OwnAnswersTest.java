package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every answer tuns gives in its own name: status, the sentence that says what to do, extra headers, keep-alive. */
class OwnAnswersTest {

    static Stream<Arguments> answers() {
        return Stream.of(
                row("no Host", OwnAnswers::noHost, 400, "no Host header", true),
                row("root page", () -> OwnAnswers.rootPage("Open a tunnel with: ssh -R myapp:80:localhost:3000 example.com"), 200, "-R myapp:80:localhost:3000 "
                        + "example.com", true),
                row("no tunnel", () -> OwnAnswers.noTunnel("app.example.com"), 404, "No tunnel is open for "
                        + "app.example.com", true),
                row("unauthorized", OwnAnswers::unauthorized, 401, "protected", true),
                row("client share", () -> OwnAnswers.clientShareExceeded(12), 429, "holds 12 of this tunnel",
                        true),
                row("open timed out", () -> OwnAnswers.openFailed(OpenFailure.TIMEOUT, "30 s"), 504, "in time "
                        + "(30 s)", true),
                row("open at limit", () -> OwnAnswers.openFailed(OpenFailure.LIMIT, "256 open"), 503,
                        "connection limit: 256 open", true),
                row("open refused", () -> OwnAnswers.openFailed(OpenFailure.REFUSED, "connect failed"), 502,
                        "Is the local server running?", true),
                row("open closed", () -> OwnAnswers.openFailed(OpenFailure.CLOSED, "gone"), 502, "(gone)", true),
                row("memory budget full", () -> OwnAnswers.openFailed(OpenFailure.MEMORY, "budget 90% used"), 503,
                        "now: budget 90% used", true),
                row("tunnel closed", () -> OwnAnswers.tunnelClosed(null), 502, "before its service answered",
                        true),
                row("TLS failed", () -> OwnAnswers.tunnelClosed("the certificate is for other.example"), 502,
                        "the certificate is for other.example", true),
                row("bad response", OwnAnswers::badResponse, 502, "not valid HTTP/1.1", true),
                row("console too large", () -> OwnAnswers.consoleTooLarge(1024), 413, "limited to 1024 bytes",
                        true),
                row("line too long", () -> OwnAnswers.badRequest(new TooLongHttpLineException("x"), 8192, 32768),
                        414, "longer than 8192 bytes", false),
                row("head too large", () -> OwnAnswers.badRequest(new TooLongHttpHeaderException("x"), 8192,
                        32768), 431, "larger than 32768 bytes", false),
                row("frame too long", () -> OwnAnswers.badRequest(new TooLongFrameException("chunk"), 8192,
                        32768), 431, "not valid HTTP/1.1: chunk", false),
                row("bad framing", () -> OwnAnswers.badRequest(new DecoderException("bad chunk size"), 1, 1), 400,
                        "not valid HTTP/1.1: bad chunk size", false),
                row("no cause", () -> OwnAnswers.badRequest(null, 1, 1), 400, "unknown error", false),
                row("body timeout", () -> OwnAnswers.bodyTimeout(Duration.ofSeconds(60)), 408, "nothing for 60 s",
                        false),
                row("refusal", () -> OwnAnswers.refusal(HttpResponseStatus.NOT_IMPLEMENTED, "gzip"), 501, "gzip",
                        false));
    }

    static Arguments row(String name, Supplier<FullHttpResponse> answer, int status, String says,
                         boolean keepAlive) {
        return Arguments.of(name, answer, status, says, keepAlive);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("answers")
    void answer(String name, Supplier<FullHttpResponse> answer, int status, String says, boolean keepAlive) {
        FullHttpResponse r = answer.get();
        try {
            assertThat(r.status().code()).isEqualTo(status);
            assertThat(r.content().toString(StandardCharsets.UTF_8)).contains(ErrorPages.escape(says));
            assertThat(HttpUtil.isKeepAlive(r)).as("keep-alive").isEqualTo(keepAlive);
            assertThat(HttpUtil.getContentLength(r)).isEqualTo(r.content().readableBytes());
        } finally {
            r.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void extraHeaders(String name, Supplier<FullHttpResponse> answer, int status, String says, boolean keepAlive) {
        FullHttpResponse r = answer.get();
        try {
            assertThat(r.headers().get("WWW-Authenticate")).isEqualTo(status == 401 ? "Basic realm=\"sish\"" : null);
            // a client over its share, or a server short of memory, may try again in a second
            boolean retry = status == 429 || name.equals("memory budget full");
            assertThat(r.headers().get("Retry-After")).isEqualTo(retry ? "1" : null);
        } finally {
            r.release();
        }
    }
}
