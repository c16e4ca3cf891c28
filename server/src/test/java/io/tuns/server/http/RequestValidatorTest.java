package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The edge's verdict per request head, as a table: header lines separated by '|', expected status or "ok". */
class RequestValidatorTest {

    static HttpRequest request(String uri, String headerLines) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        if (!headerLines.isEmpty()) {
            for (String line : headerLines.split("\\|")) {
                int colon = line.indexOf(':');
                r.headers().add(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
            "/;                  Host: a;                                          ok",
            "/;                  Host: a|Host: b;                                  400", // item 5
            "/;                  Host: a|Host: a;                                  400",
            "/;                  Host: a, b;                                       400",
            "/;                  Host: a|Transfer-Encoding: chunked;               ok",
            "/;                  Host: a|Transfer-Encoding: Chunked ;              ok",
            "/;                  Host: a|Transfer-Encoding: identity, chunked;     501", // item 6
            "/;                  Host: a|Transfer-Encoding: gzip, chunked;         501",
            "/;                  Host: a|Transfer-Encoding: chunked|Transfer-Encoding: chunked; 501",
            "http://b.example/x; Host: a;                                          ok", // item 8: made one later
            "http://;            Host: a;                                          400",
            "http://u@b.example/; Host: a;                                         400",
    })
    void verdicts(String uri, String headers, String expected) {
        RequestValidator.Refusal r = RequestValidator.check(request(uri, headers));
        if (expected.equals("ok")) {
            assertThat(r).isNull();
        } else {
            assertThat(r).isNotNull();
            assertThat(r.status().code()).isEqualTo(Integer.parseInt(expected));
            assertThat(r.reason()).isNotBlank();
        }
    }
}
