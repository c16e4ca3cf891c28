package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Malformed and oversized requests get a status and a reason, never a crash. */
class BadInputIT {

    static TunsFixture tuns;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
    }

    private String exchange(String raw) throws Exception {
        try (Socket s = new Socket("127.0.0.1", tuns.server.httpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void malformedRequestLineGets400WithAReason() throws Exception {
        String r = exchange("THIS IS NOT HTTP\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400 Bad Request");
        assertThat(r).contains("not valid HTTP/1.1");
    }

    @Test
    void badContentLengthGets400() throws Exception {
        String r = exchange("POST / HTTP/1.1\r\nHost: x.localhost\r\nContent-Length: banana\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400");
    }

    @Test
    void overlongRequestLineGets414() throws Exception {
        String r = exchange("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x.localhost\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 414");
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        String r = exchange("GET / HTTP/1.1\r\nHost: x.localhost\r\nCookie: " + "c".repeat(40_000) + "\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 431");
    }

    @Test
    void missingHostGets400() throws Exception {
        String r = exchange("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400");
        assertThat(r).contains("no Host header");
    }

    @Test
    void largeRealCookiesAreAccepted() throws Exception {
        String r = exchange("GET / HTTP/1.1\r\nHost: nope.localhost\r\nConnection: close\r\nCookie: " + "c".repeat(12_000)
                + "\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 404");
    }
}
