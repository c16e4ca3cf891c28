package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 13 item 9: which responses are re-framed as chunked so that a cut-off is visible. */
class ResponseFramingTest {

    @ParameterizedTest(name = "{0} {1}, {2} {3} -> chunked {4}")
    @CsvSource({
            "HTTP/1.1, GET,  200, none,             true",
            "HTTP/1.1, GET,  200, Content-Length,   false",
            "HTTP/1.1, GET,  200, chunked,          true",
            "HTTP/1.1, HEAD, 200, none,             false",
            "HTTP/1.1, GET,  204, none,             false",
            "HTTP/1.1, GET,  304, none,             false",
            "HTTP/1.1, GET,  101, none,             false",
            "HTTP/1.0, GET,  200, none,             false", // an HTTP/1.0 client cannot read chunks
    })
    void reframesOnlyUndelimitedBodiesForHttp11(String version, String method, int status, String framing,
                                                boolean chunked) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.valueOf(version), HttpMethod.valueOf(method), "/");
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        if (framing.equals("Content-Length")) {
            res.headers().set("Content-Length", 5);
        } else if (framing.equals("chunked")) {
            HttpUtil.setTransferEncodingChunked(res, true);
        }
        ResponseFraming.chunkIfUndelimited(req, res);
        assertThat(HttpUtil.isTransferEncodingChunked(res)).isEqualTo(chunked);
    }
}
