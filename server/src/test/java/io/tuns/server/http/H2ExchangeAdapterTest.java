package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What one HTTP/2 stream hands the proxy, and what it lets out, next to the real HTTP/2 object codec. */
class H2ExchangeAdapterTest {

    final EmbeddedChannel ch = new EmbeddedChannel(new H2ExchangeAdapter(64));

    @Test
    void theCodecsBookkeepingHeadersNeverReachTheService() {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
        req.headers().set("x-http2-stream-id", "3").set("x-http2-scheme", "https").set("host", "app.example")
                .set("x-http2-stream-weight", "16");
        ch.writeInbound(req);
        HttpRequest got = ch.readInbound();
        assertThat(got.headers().names()).containsExactly("host");
        assertThat(got.decoderResult().isSuccess()).isTrue();
    }

    @Test
    void aRequestEndedWithItsHeadersComesAsHeadThenEndLikeHttp11() {
        DefaultFullHttpRequest full = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/f",
                Unpooled.copiedBuffer("body", StandardCharsets.UTF_8));
        ch.writeInbound(full);
        Object head = ch.readInbound();
        assertThat(head).isInstanceOf(HttpRequest.class).isNotInstanceOf(HttpContent.class);
        LastHttpContent end = ch.readInbound();
        assertThat(end.content().toString(StandardCharsets.UTF_8)).isEqualTo("body");
        end.release();
    }

    @Test
    void aMethodAndPathLongerThanTheRequestLineLimitIsA414LikeHttp11() {
        // "GET " + path + " HTTP/1.1" = 64 bytes is allowed, 65 is not
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/" + "a".repeat(50)));
        HttpRequest ok = ch.readInbound();
        assertThat(ok.decoderResult().isSuccess()).isTrue();
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/" + "a".repeat(51)));
        HttpRequest tooLong = ch.readInbound();
        assertThat(tooLong.decoderResult().cause()).isInstanceOf(TooLongHttpLineException.class);
    }

    @Test
    void anInformationalHeadGoesOutWholeAndItsEmptyEndIsDropped() {
        ChannelFuture head = ch.writeOneOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.CONTINUE));
        ChannelFuture end = ch.writeOneOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.flushOutbound();
        FullHttpResponse out = ch.readOutbound();
        assertThat(out.status().code()).isEqualTo(100);
        assertThat((Object) ch.readOutbound()).as("no END_STREAM after a 1xx").isNull();
        assertThat(head.isSuccess()).isTrue();
        assertThat(end.isSuccess()).as("the proxy's write completes: its SSH window comes back").isTrue();

        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK),
                LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat((Object) ch.readOutbound()).isInstanceOf(HttpResponse.class);
        assertThat((Object) ch.readOutbound()).as("the real answer's end does go out").isInstanceOf(LastHttpContent.class);
    }

    @Test
    void a101ResetsTheStreamInsteadOfGoingOut() {
        ChannelFuture f = ch.writeOneOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(f.isSuccess()).isFalse();
        assertThat(ch.isOpen()).isFalse();
    }
}
