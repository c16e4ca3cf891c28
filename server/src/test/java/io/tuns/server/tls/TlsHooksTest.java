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
        FullHttpResponse r = new TlsHooks(tokens).intercept("/.well-known/acme-challenge/tok123");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.content().toString(StandardCharsets.US_ASCII)).isEqualTo("tok123.thumb");
        r.release();
        assertThat(new TlsHooks(tokens).intercept("/.well-known/acme-challenge/other"))
                .as("unknown tokens are routed as usual").isNull();
    }
}
