package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Large bodies both ways, chunked both ways, HEAD and 100-continue, byte-exact by SHA-256. */
class StreamingIT {

    static final long HALF_GIB = 512L * 1024 * 1024;
    static TunsFixture tuns;
    static TestBackend backend;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        backend = new TestBackend();
        SshClient ssh = tuns.ssh("-R", "big:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        base = ssh.httpUrl();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void halfGibDownloadArrivesByteExact() throws Exception {
        String expected = TestBackend.sha256OfPattern(HALF_GIB, 7);
        assertThat(Curl.sha256(base + "/bytes?size=" + HALF_GIB + "&seed=7")).isEqualTo(expected + " " + HALF_GIB);
    }

    @Test
    void chunkedDownloadArrivesByteExact() throws Exception {
        long size = 64L * 1024 * 1024 + 12345;
        String expected = TestBackend.sha256OfPattern(size, 3);
        assertThat(Curl.sha256(base + "/bytes?size=" + size + "&seed=3&chunked=1")).isEqualTo(expected + " " + size);
    }

    @Test
    void halfGibUploadArrivesByteExact() throws Exception {
        // fixed length upload from a pipe: curl streams it (and sends Expect: 100-continue, relayed by tuns)
        String cmd = "head -c " + HALF_GIB + " /dev/zero | curl -sS --fail --max-time 600 -H 'Content-Length: " + HALF_GIB
                + "' --data-binary @- " + base + "/sha256";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Process zeros = new ProcessBuilder("bash", "-c", "head -c " + HALF_GIB + " /dev/zero | sha256sum | cut -d' ' -f1").start();
        String expected = new String(zeros.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(out).isEqualTo(expected + " " + HALF_GIB + "\n");
    }

    @Test
    void chunkedUploadIsEchoedChunked() throws Exception {
        String cmd = "head -c 20000000 /dev/urandom > /tmp/tuns-chunk-in && curl -sS --fail -H 'Transfer-Encoding: chunked' "
                + "--data-binary @/tmp/tuns-chunk-in -D /tmp/tuns-chunk-headers " + base + "/echo | sha256sum | cut -d' ' -f1"
                + " && sha256sum < /tmp/tuns-chunk-in | cut -d' ' -f1 && cat /tmp/tuns-chunk-headers";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
        assertThat(p.waitFor()).isZero();
        assertThat(lines[0]).isEqualTo(lines[1]);
        assertThat(String.join("\n", lines).toLowerCase()).contains("transfer-encoding: chunked");
    }

    @Test
    void headAndKeepAliveWorkOnOneConnection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", tuns.server.httpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String host = "Host: big.localhost\r\n";
            out.write(("HEAD /bytes?size=1000 HTTP/1.1\r\n" + host + "\r\n"
                    + "GET /hello HTTP/1.1\r\n" + host + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String text = readUntil(in, "hello from backend\n");
            assertThat(text).startsWith("HTTP/1.1 200 OK");
            assertThat(text).contains("content-length: 1000");
            assertThat(text.indexOf("HTTP/1.1 200 OK", 5)).as("second response follows the HEAD without a body")
                    .isGreaterThan(0);
        }
    }

    static String readUntil(InputStream in, String end) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.toString().endsWith(end)) {
                break;
            }
        }
        return b.toString();
    }
}
