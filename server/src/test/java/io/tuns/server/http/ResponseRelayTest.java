package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The service's answer object by object: what the client gets, what is counted, and where the exchange stands. */
class ResponseRelayTest {

    final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    final List<String> counted = new ArrayList<>();
    final HttpEvents events = new HttpEvents() {
        @Override
        public void bytes(String direction, long n) {
            counted.add(direction + " " + n);
        }
    };
    final ResponseRelay relay = new ResponseRelay(events,
            new ClientOutput(client.pipeline().firstContext(), null));

    static ProxyExchange exchange(String... requestHeaders) {
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        for (int i = 0; i < requestHeaders.length; i += 2) {
            req.headers().set(requestHeaders[i], requestHeaders[i + 1]);
        }
        return new ProxyExchange(req, "app.localhost");
    }

    static HttpResponse head(int code, String... headers) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().set(headers[i], headers[i + 1]);
        }
        return r;
    }

    static LastHttpContent last(String body) {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(body.getBytes()));
    }

    List<Object> written() {
        client.flushOutbound();
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = client.readOutbound()) != null) {
            out.add(o);
        }
        return out;
    }

    @Test
    void aWholeAnswerEndsTheResponseAndCountsItsBytes() {
        ProxyExchange ex = exchange();
        relay.relay(ex, head(200, "Content-Length", "2"));
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.STREAMING);
        relay.relay(ex, last("ok"));
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.DONE);
        assertThat(ex.status()).isEqualTo(200);
        assertThat(counted).containsExactly("out 2");
        assertThat(ex.keepAlive).isTrue();
        written().forEach(ReferenceCountUtil::release);
    }

    @Test
    void theServiceClosingMakesTheExchangeNotKeptAndSaysSo() {
        ProxyExchange ex = exchange();
        HttpResponse r = head(200, "Content-Length", "0", "Connection", "close");
        relay.relay(ex, r);
        assertThat(ex.keepAlive).isFalse();
        assertThat(HttpUtil.isKeepAlive(r)).isFalse();
        written().forEach(ReferenceCountUtil::release);
    }

    @Test
    void aClientThatClosesGetsConnectionClose() {
        ProxyExchange ex = exchange("Connection", "close");
        HttpResponse r = head(200, "Content-Length", "0");
        relay.relay(ex, r);
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualToIgnoringCase("close");
        written().forEach(ReferenceCountUtil::release);
    }

    @Test
    void anUndelimitedAnswerIsReframedAsChunked() {
        ProxyExchange ex = exchange();
        HttpResponse r = head(200);
        relay.relay(ex, r);
        assertThat(HttpUtil.isTransferEncodingChunked(r)).isTrue();
        written().forEach(ReferenceCountUtil::release);
    }

    @Test
    void anInformationalAnswerIsRelayedButNotCountedAndTheRealOneIsAwaited() {
        ProxyExchange ex = exchange();
        relay.relay(ex, head(100));
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.INFORMATIONAL);
        relay.relay(ex, LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.AWAITED);
        assertThat(counted).isEmpty();
        assertThat(written()).hasSize(2);
    }

    @Test
    void aSwitchingAnswerEndsUpgradedKeepingItsUpgradeHeaders() {
        ProxyExchange ex = exchange("Connection", "close");
        HttpResponse r = head(101, "Connection", "Upgrade", "Upgrade", "websocket");
        relay.relay(ex, r);
        relay.relay(ex, LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.UPGRADED);
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("Upgrade"); // never "close" on a 101
    }

    @Test
    void bodyPartsAreWrittenAsTheyCome() {
        ProxyExchange ex = exchange();
        relay.relay(ex, head(200, "Content-Length", "6"));
        ByteBuf part = Unpooled.copiedBuffer("abc".getBytes());
        assertThat(relay.relay(ex, new DefaultHttpContent(part))).isNotNull();
        assertThat(ex.response()).isEqualTo(ProxyExchange.Response.STREAMING);
        assertThat(counted).containsExactly("out 3");
        written().forEach(ReferenceCountUtil::release);
    }
}
