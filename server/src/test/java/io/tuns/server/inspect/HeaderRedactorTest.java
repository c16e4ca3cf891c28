package io.tuns.server.inspect;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderRedactorTest {

    @Test
    void redactsListedNamesCaseInsensitivelyAndKeepsOrderAndDuplicates() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Authorization", "Basic dXNlcjpwYXNz")
                .add("X-Trace", "1")
                .add("set-cookie", "a=1")
                .add("Set-Cookie", "b=2")
                .add("PROXY-AUTHORIZATION", "x");
        HeaderRedactor r = new HeaderRedactor(List.of(" Authorization", "cookie", "Set-Cookie", "proxy-authorization"));
        List<HeaderField> copy = r.copy(h);
        assertThat(copy).extracting(HeaderField::name)
                .containsExactly("Authorization", "X-Trace", "set-cookie", "Set-Cookie", "PROXY-AUTHORIZATION");
        assertThat(copy).extracting(HeaderField::value)
                .containsExactly(HeaderField.REDACTED, "1", HeaderField.REDACTED, HeaderField.REDACTED,
                        HeaderField.REDACTED);
    }

    @Test
    void splitKeepsTheSecretValuesApartWithTheirPositions() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("Authorization", "Basic x").add("Cookie", "c=1")
                .add("Cookie", "d=2");
        HeaderRedactor.Split s = new HeaderRedactor(List.of("authorization", "cookie")).split(h);
        assertThat(s.shown()).extracting(HeaderField::value).containsExactly("a", HeaderField.REDACTED,
                HeaderField.REDACTED, HeaderField.REDACTED);
        assertThat(s.secrets()).containsExactly(new SecretHeader(1, "Authorization", "Basic x"),
                new SecretHeader(2, "Cookie", "c=1"), new SecretHeader(3, "Cookie", "d=2"));
        assertThat(s.secrets().toString()).as("never printed").doesNotContain("Basic x");
        assertThat(HeaderRedactor.chargeForSecrets(s.secrets())).isEqualTo(3 * HeaderRedactor.HEADER_OVERHEAD_BYTES
                + "AuthorizationBasic xCookiec=1Cookied=2".length());
    }

    @Test
    void anEmptyListRedactsNothing() {
        HttpHeaders h = new DefaultHttpHeaders().add("Cookie", "a=1");
        assertThat(new HeaderRedactor(List.of()).copy(h).get(0).value()).isEqualTo("a=1");
    }
}
