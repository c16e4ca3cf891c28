package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.tls.Openssl;
import java.io.File;
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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

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
        tuns = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--https-certificate-directory=" + certs,
                "--service-console");
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
    void chromiumLoadsAPageAndItsParallelRequestsOverH2() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--ignore-certificate-errors", "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        try {
            driver.get(base + "/hello"); // Chromium resolves *.localhost to loopback itself
            JavascriptExecutor js = (JavascriptExecutor) driver;
            assertThat(js.executeScript("return performance.getEntriesByType('navigation')[0].nextHopProtocol"))
                    .isEqualTo("h2");
            Object result = js.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    Promise.all([...Array(20).keys()].map(i => fetch('/bytes?size=' + (50000 + i) + '&seed=' + i)
                        .then(r => r.arrayBuffer()).then(b => b.byteLength)))
                      .then(sizes => done({sizes: sizes, protocols: performance.getEntriesByType('resource')
                        .filter(e => e.name.includes('/bytes')).map(e => e.nextHopProtocol)}))
                      .catch(e => done({error: String(e)}));
                    """);
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> m = (java.util.Map<String, Object>) result;
            assertThat(m).doesNotContainKey("error");
            assertThat((List<?>) m.get("sizes")).hasSize(20).allMatch(n -> ((Number) n).longValue() >= 50000);
            assertThat((List<?>) m.get("protocols")).hasSize(20).allMatch("h2"::equals);
        } finally {
            driver.quit();
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
    }

    @Test
    void theCaptureRecordsAnH2ExchangeWithItsBodiesAndStatus() throws Exception {
        Curl.Result r = Curl.run(tls("--data-binary", "h2 body for the capture", base + "/echo?cap=1")
                .toArray(String[]::new));
        assertThat(r.out()).isEqualTo("h2 body for the capture");
        await().atMost(Duration.ofSeconds(5)).until(() -> tuns.server.inspector().exchanges("big.localhost").stream()
                .anyMatch(e -> e.uri().equals("/echo?cap=1") && e.status() == 200));
        io.tuns.server.inspect.Exchange e = tuns.server.inspector().exchanges("big.localhost").stream()
                .filter(x -> x.uri().equals("/echo?cap=1")).findFirst().orElseThrow();
        assertThat(e.method()).isEqualTo("POST");
        assertThat(e.protocol()).as("what the client spoke, not the tunnel's HTTP/1.1").isEqualTo("HTTP/2.0");
        assertThat(e.responseProtocol()).isEqualTo("HTTP/2.0");
        assertThat(new String(e.requestBody().bytes(), StandardCharsets.UTF_8)).isEqualTo("h2 body for the capture");
        assertThat(new String(e.responseBody().bytes(), StandardCharsets.UTF_8)).isEqualTo("h2 body for the capture");
        assertThat(e.requestHeaders()).noneMatch(h -> h.toString().toLowerCase().contains("x-http2-"));
    }

    @Test
    void aFastUploaderToAServiceThatDoesNotReadIsHeldByFlowControl() throws Exception {
        // a service that accepts and never reads: only the windows on the way (kernel buffers, the SSH channel's,
        // tuns' queue, the h2 stream's) may take bytes, then the uploader must stop
        try (java.net.ServerSocket deaf = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             SshClient ssh = tuns.ssh("-R", "deaf:80:127.0.0.1:" + deaf.getLocalPort(), "127.0.0.1");
             H2Client client = new H2Client(port, "big.localhost", ca.cert())) {
            ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    held.add(deaf.accept());
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            long size = 256L * 1024 * 1024;
            H2Client.Stream up = client.postTo("deaf.localhost:" + port, "/upload", size);
            // the count stops growing: two readings a second apart are equal
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                long now = up.sent.get();
                boolean still = now == last[0];
                last[0] = now;
                return still && now > 0;
            });
            assertThat(up.sent.get()).as("bytes tuns let in for a service that reads nothing").isLessThan(32L << 20);
            assertThat(client.isOpen()).isTrue();
            up.reset();
            for (java.net.Socket s : held) {
                s.close(); // the SSH channel's close waits for what it holds for the service (as on HTTP/1.1)
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> TunnelInvariant.channelsOpen(tuns) == 0);
        }
    }

    @Test
    void theHttp11HeadLimitsHoldOnH2As431And414() throws Exception {
        Curl.Result big = Curl.run(tls("-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + "a".repeat(45_000),
                base + "/hello").toArray(String[]::new));
        assertThat(big.out()).as("over --http-max-header-size + --http-max-initial-line-length").isEqualTo("431");
        Curl.Result longPath = Curl.run(tls("-o", "/dev/null", "-w", "%{http_code}", base + "/" + "p".repeat(9000))
                .toArray(String[]::new));
        assertThat(longPath.out()).as("over --http-max-initial-line-length").isEqualTo("414");
        assertThat(Curl.run(tls(base + "/hello").toArray(String[]::new)).out()).isEqualTo("hello from backend\n");
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
