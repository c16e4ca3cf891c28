package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsHooksTest {

    final ChallengeResponder tokens = t -> Optional.ofNullable(Map.of("tok123", "tok123.thumb").get(t));

    @Test
    void aPendingChallengeTokenIsAnsweredForAnyHost() {
        FullHttpResponse r = new TlsHooks(tokens, null).intercept("example.com",
                "/.well-known/acme-challenge/tok123", false);
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.content().toString(StandardCharsets.US_ASCII)).isEqualTo("tok123.thumb");
        r.release();
        assertThat(new TlsHooks(tokens, null).intercept("example.com", "/.well-known/acme-challenge/other", true))
                .as("unknown tokens are routed as usual").isNull();
    }

    @Test
    void forceAllHttpsRedirectsTunnelsOnlyAndKeepsPathAndQuery() {
        TlsHooks hooks = new TlsHooks(null, new HttpsRedirect(() -> 8443));
        FullHttpResponse r = hooks.intercept("app.example.com", "/a/b?c=d", true);
        assertThat(r.status().code()).isEqualTo(301);
        assertThat(r.headers().get("Location")).isEqualTo("https://app.example.com:8443/a/b?c=d");
        assertThat(hooks.intercept("nope.example.com", "/", false)).isNull();
    }

    @Test
    void theDefaultPortIsLeftOutAndAbsoluteFormTargetsKeepOnlyThePath() {
        HttpsRedirect redirect = new HttpsRedirect(() -> 443);
        assertThat(redirect.location("app.example.com", "/x")).isEqualTo("https://app.example.com/x");
        assertThat(redirect.location("app.example.com", "http://app.example.com:80/y?z")).isEqualTo(
                "https://app.example.com/y?z");
        assertThat(redirect.location("app.example.com", "http://app.example.com")).isEqualTo("https://app.example.com/");
    }
}
