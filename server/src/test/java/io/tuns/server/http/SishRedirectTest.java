package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.tuns.server.tunnel.PublicUrls;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** sish answers redirects with gin's c.Redirect(http.StatusFound, …), i.e. Go's http.Redirect. */
class SishRedirectTest {

    @Test
    void getHasGosOneLineBody() {
        FullHttpResponse r = SishRedirect.found("https://app.example.com:8443/a?b=1&c=2", HttpMethod.GET);
        assertThat(r.status().code()).as("sish: http.StatusFound").isEqualTo(302);
        assertThat(r.headers().get("Location")).isEqualTo("https://app.example.com:8443/a?b=1&c=2");
        assertThat(r.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        // Go: body := "<a href=\"" + htmlEscape(url) + "\">" + StatusText(code) + "</a>.\n"; fmt.Fprintln(w, body)
        assertThat(r.content().toString(StandardCharsets.UTF_8))
                .isEqualTo("<a href=\"https://app.example.com:8443/a?b=1&amp;c=2\">Found</a>.\n\n");
        assertThat(r.headers().getInt("Content-Length")).isEqualTo(r.content().readableBytes());
        r.release();
    }

    @Test
    void headGetsTheTypeButNoBodyAndPostNeither() {
        FullHttpResponse head = SishRedirect.found("https://x/", HttpMethod.HEAD);
        assertThat(head.headers().get("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(head.content().readableBytes()).isZero();
        FullHttpResponse post = SishRedirect.found("https://x/", HttpMethod.POST);
        assertThat(post.headers().contains("Content-Type")).isFalse();
        assertThat(post.content().readableBytes()).isZero();
        assertThat(post.headers().getInt("Content-Length")).isZero();
    }

    @Test
    void nonAsciiBytesAreHexEscapedAsGoDoes() {
        assertThat(SishRedirect.hexEscapeNonAscii("https://x/é?q=ü")).isEqualTo("https://x/%c3%a9?q=%c3%bc");
    }

    /**
     * sish: {@code c.Request.URL.Host = hostname; if state.Ports.HTTPSPort != 443 { … "%s:%d", hostname,
     * HTTPSPort }} where hostname is the Host header without its port.
     */
    @ParameterizedTest(name = "Host {0}, https port {1} -> {2}")
    @CsvSource({
            "app.example.com:8080, 8443, https://app.example.com:8443/p?q=1",
            "app.example.com,      443,  https://app.example.com/p?q=1",
            "App.Example.com:80,   443,  https://App.Example.com/p?q=1",
            "'[2001:db8::1]:8080', 443,  'https://[2001:db8::1]/p?q=1'",
    })
    void httpsLocationIsTheHostWithoutPortOnTheHttpsPortPeopleUse(String host, int port, String expected) {
        assertThat(SishRedirect.httpsLocation(new PublicUrls(80, port), host, "/p?q=1")).isEqualTo(expected);
    }
}
