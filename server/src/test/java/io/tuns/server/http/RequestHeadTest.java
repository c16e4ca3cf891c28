package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cluster peek's reading of a raw request head: host and path, or "not yet", never consuming a byte. */
class RequestHeadTest {

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s.replace("|", "\r\n"), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', textBlock = """
            GET /x HTTP/1.1|Host: App.Example.com:8080||                 ; app.example.com ; /x
            POST /a/b?q=1 HTTP/1.1|Content-Length: 3|host: [::1]:80||abc ; ::1             ; /a/b?q=1
            GET http://other.example/p/q HTTP/1.1|Host: h.example.||     ; h.example       ; /p/q
            GET / HTTP/1.0|X: y||                                        ;                 ; /
            """)
    void readsHostAndPath(String raw, String host, String path) {
        ByteBuf b = bytes(raw);
        int before = b.readableBytes();
        RequestHead h = RequestHead.peek(b);
        assertThat(h.host()).isEqualTo(host);
        assertThat(h.path()).isEqualTo(path);
        assertThat(b.readableBytes()).as("nothing consumed").isEqualTo(before);
        b.release();
    }

    @Test
    void anUnfinishedHeadIsIncomplete() {
        ByteBuf b = bytes("GET /x HTTP/1.1|Host: a.example|");
        assertThat(RequestHead.peek(b)).isSameAs(RequestHead.INCOMPLETE);
        b.release();
        ByteBuf split = Unpooled.wrappedBuffer(bytes("GET /x HTTP/1.1|Host: a|\r"), bytes("\n"));
        assertThat(RequestHead.peek(split).host()).isEqualTo("a");
        split.release();
    }
}
