package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** RFC 9110 section 7.6.1: what describes the client's connection stops at tuns (issue 13 item 7). */
class HopByHopHeadersTest {

    static HttpRequest request(HttpVersion v, String... nameValues) {
        HttpRequest r = new DefaultHttpRequest(v, HttpMethod.GET, "/");
        for (int i = 0; i < nameValues.length; i += 2) {
            r.headers().add(nameValues[i], nameValues[i + 1]);
        }
        return r;
    }

    @Test
    void connectionAndTheHeadersItNamesAreRemoved() {
        HttpRequest r = request(HttpVersion.HTTP_1_1, "Host", "a", "Connection", "keep-alive, X-Secret-Hop",
                "Connection", "Foo", "X-Secret-Hop", "1", "Foo", "2", "Keep-Alive", "timeout=5",
                "Proxy-Connection", "keep-alive", "TE", "trailers", "X-End-To-End", "3",
                "Transfer-Encoding", "chunked");
        HopByHopHeaders.strip(r, false);
        assertThat(r.headers().names()).containsExactlyInAnyOrder("Host", "X-End-To-End", "Transfer-Encoding");
    }

    @Test
    void anUpgradeHandshakeKeepsUpgradeAndConnectionUpgradeOnly() {
        HttpRequest r = request(HttpVersion.HTTP_1_1, "Host", "a", "Connection", "Upgrade, HTTP2-Settings",
                "Upgrade", "websocket", "HTTP2-Settings", "AAA");
        HopByHopHeaders.strip(r, true);
        assertThat(r.headers().get("Connection")).isEqualTo("upgrade");
        assertThat(r.headers().get("Upgrade")).isEqualTo("websocket");
        assertThat(r.headers().contains("HTTP2-Settings")).isFalse();
    }

    @Test
    void anHttp10KeepAliveIsAskedForAgain() {
        HttpRequest r = request(HttpVersion.HTTP_1_0, "Host", "a", "Connection", "Keep-Alive, X-Hop", "X-Hop", "1");
        HopByHopHeaders.strip(r, false);
        assertThat(r.headers().get("Connection")).isEqualTo("keep-alive");
        assertThat(r.headers().contains("X-Hop")).isFalse();
        HttpRequest close = request(HttpVersion.HTTP_1_0, "Host", "a");
        HopByHopHeaders.strip(close, false);
        assertThat(close.headers().get("Connection")).isEqualTo("close");
    }

    @Test
    void aClientThatClosesAfterThisExchangeMakesTheServiceCloseToo() {
        HttpRequest r = request(HttpVersion.HTTP_1_1, "Host", "a", "Connection", "close, X-Hop", "X-Hop", "1");
        HopByHopHeaders.strip(r, false);
        assertThat(r.headers().getAll("Connection")).containsExactly("close");
        assertThat(r.headers().contains("X-Hop")).isFalse();
    }
}
