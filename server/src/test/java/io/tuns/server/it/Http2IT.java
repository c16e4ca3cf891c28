package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.tls.Openssl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on the HTTPS listener with the real curl (nghttp2) and a real OpenSSH tunnel: ALPN h2, byte-exact bodies
 * both ways, many streams on one connection, and a reset stream that gives its SSH channel back at once while its
 * connection lives on. The service behind the tunnel speaks HTTP/1.1 only.
 */
class Http2IT {

    static final long SIZE = 256L * 1024 * 1024;

    @TempDir
    static Path tmp;
    static Openssl.Ca ca;
    static TunsFixture tuns;
    static TestBackend backend;
    static int port;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("ssl"));
        ca = Openssl.ca(tmp, "h2-it");
        Openssl.leaf(ca, certs, "big.localhost", Openssl.KeyFormat.SEC1_EC, "big.localhost");
        tuns = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs);
        backend = new TestBackend();
        port = tuns.server.httpsPort();
        SshClient ssh = tuns.ssh("-R", "big:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
        base = "https://big.localhost:" + port;
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    static List<String> tls(String... more) {
        List<String> args = new ArrayList<>(List.of("--http2", "--cacert", ca.cert().toString(), "--resolve",
                "big.localhost:" + port + ":127.0.0.1"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void curlNegotiatesH2AndTheServiceGetsHttp11WithoutH2Bookkeeping() throws Exception {
        Curl.Result r = Curl.run(tls("-v", base + "/headers").toArray(String[]::new));
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("ALPN: server accepted h2", "< HTTP/2 200", "x-forwarded-proto: https")
                .doesNotContain("x-http2-");
        String raw = backend.rawRequests.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                .filter(t -> t.contains("/headers")).reduce((a, b) -> b).orElseThrow();
        assertThat(raw).as("HTTP/1.1 inside the tunnel").startsWith("GET /headers HTTP/1.1\r\n")
                .containsIgnoringCase("\r\nhost: big.localhost:" + port + "\r\n").doesNotContain("x-http2-");
    }

    @Test
    void a256MibDownloadArrivesByteExactOverH2() throws Exception {
        String expected = TestBackend.sha256OfPattern(SIZE, 11);
        assertThat(Curl.sha256(base + "/bytes?size=" + SIZE + "&seed=11", tls().toArray(String[]::new)))
                .isEqualTo(expected + " " + SIZE);
        await().atMost(Duration.ofSeconds(2)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
    }

    @Test
    void a256MibUploadArrivesByteExactOverH2() throws Exception {
        String cmd = "head -c " + SIZE + " /dev/urandom | tee >(sha256sum | cut -d' ' -f1 > " + tmp.resolve("up.sha")
                + ") | curl -sS --fail --max-time 600 " + String.join(" ", tls().stream().map(Curl::quote).toList())
                + " -H 'Content-Length: " + SIZE + "' --data-binary @- " + base + "/sha256";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.size(tmp.resolve("up.sha")) > 0);
        String sent = Files.readString(tmp.resolve("up.sha")).trim();
        assertThat(out).isEqualTo(sent + " " + SIZE + "\n");
    }

    @Test
    void fortyParallelStreamsShareOneConnectionAndEachBodyIsExact() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("parallel"));
        List<String> args = tls("--parallel", "--parallel-max", "40", "-w", "%{http_version} %{num_connects}\\n");
        int n = 40;
        long size = 300_000;
        for (int i = 0; i < n; i++) {
            args.addAll(List.of("-o", dir.resolve("b" + i).toString(), base + "/bytes?size=" + (size + i) + "&seed=" + i));
        }
        Curl.Result r = Curl.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.out()).isZero();
        List<String> lines = r.out().lines().filter(l -> l.matches("\\d \\d+")).toList(); // not the progress meter
        assertThat(lines).hasSize(n).allMatch(l -> l.startsWith("2 "));
        assertThat(lines.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[1])).sum())
                .as("one TLS connection for all forty").isEqualTo(1);
        for (int i = 0; i < n; i++) {
            byte[] got = Files.readAllBytes(dir.resolve("b" + i));
            assertThat(got).as("body " + i).isEqualTo(TestBackend.pattern(0, (int) size + i, i));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
    }

    @Test
    void aResetStreamGivesBackItsSshChannelWhileItsConnectionLivesOn() throws Exception {
        try (H2Client client = new H2Client(port, "big.localhost", ca.cert())) {
            H2Client.Stream big = client.get("/bytes?size=" + SIZE + "&seed=1");
            await().atMost(Duration.ofSeconds(10)).until(() -> big.bytes.get() > 1_000_000);
            assertThat(TunnelInvariant.channelsOpen(tuns)).isEqualTo(1);
            big.reset();
            await().atMost(Duration.ofSeconds(2)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
            assertThat(big.ended).as("the body was cut, not finished").isFalse();
            assertThat(client.isOpen()).as("a stream reset is not a connection close").isTrue();

            H2Client.Stream next = client.get("/hello");
            await().atMost(Duration.ofSeconds(10)).until(() -> next.ended);
            assertThat(next.status).isEqualTo("200");
            assertThat(next.bytes.get()).isEqualTo("hello from backend\n".length());
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
    }
}
