package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 9112 section 3.2.2: an absolute-form target's authority wins; tuns forwards Host + origin-form. */
class RequestTargetTest {

    @ParameterizedTest(name = "{0} Host {1} -> {2} {3}")
    @CsvSource({
            "/x?q=1,                       app.localhost, app.localhost,   /x?q=1",
            "http://other.example/x,       app.localhost, other.example,   /x",
            "HTTP://Other.example:8080,    app.localhost, Other.example:8080, /",
            "https://b.example?q=1,        app.localhost, b.example,       /?q=1",
            "http://b.example/a/b?c#d,     ,              b.example,       /a/b?c#d",
    })
    void absoluteFormBecomesHostAndOriginForm(String uri, String host, String expectHost, String expectUri) {
        HttpRequest r = RequestValidatorTest.request(uri, host == null ? "" : "Host: " + host);
        assertThat(RequestValidator.check(r)).isNull();
        RequestTarget.toOriginForm(r);
        assertThat(r.headers().get("Host")).isEqualTo(expectHost);
        assertThat(r.uri()).isEqualTo(expectUri);
        assertThat(r.headers().getAll("Host")).hasSize(1);
    }
}
