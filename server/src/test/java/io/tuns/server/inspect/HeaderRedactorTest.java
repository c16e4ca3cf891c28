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
    void anEmptyListRedactsNothing() {
        HttpHeaders h = new DefaultHttpHeaders().add("Cookie", "a=1");
        assertThat(new HeaderRedactor(List.of()).copy(h).get(0).value()).isEqualTo("a=1");
    }
}
