package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Per-tunnel options as sish has them: basic auth, path binding, host-header, load balancing, PROXY protocol. */
class HttpOptionsIT {

    static TunsFixture tuns;
    static TestBackend a;
    static TestBackend b;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--http-load-balancer", "--tcp-load-balancer", "--proxy-protocol",
                "--proxy-protocol-version=userdefined");
        a = new TestBackend();
        b = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        a.close();
        b.close();
    }

    @Test
    void basicAuthTunnelAsksForCredentials() throws Exception {
        SshClient ssh = tuns.ssh("-R", "alice\\:s3cret@locked:80:127.0.0.1:" + a.port(), "127.0.0.1");
        ssh.await("HTTP: http://alice:s3cret@locked.localhost:\\d+\r\n", Duration.ofSeconds(15)); // sish prints user:pass@
        HttpResponse<String> denied = tuns.get("locked.localhost", "/hello");
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(denied.headers().firstValue("www-authenticate")).contains("Basic realm=\"sish\"");
        String good = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        String bad = "Basic " + Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8));
        assertThat(tuns.http.send(tuns.request("locked.localhost", "/hello").header("Authorization", bad).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        HttpResponse<String> ok = tuns.http.send(tuns.request("locked.localhost", "/hello").header("Authorization", good)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("hello from backend\n");
    }

    @Test
    void longestPathPrefixWinsOnSegmentBoundariesAndIsStripped() throws Exception {
        tuns.ssh("-R", "pathy:80:127.0.0.1:" + a.port(), "127.0.0.1").httpUrl();
        tuns.ssh("-R", "pathy/api:80:127.0.0.1:" + b.port(), "127.0.0.1").await("HTTP: http://pathy.localhost:\\d+/api",
                Duration.ofSeconds(15));
        b.requests.clear();
        a.requests.clear();
        assertThat(tuns.get("pathy.localhost", "/api/hello?x=1").body()).isEqualTo("hello from backend\n");
        assertThat(b.requests).containsExactly("GET /hello?x=1");
        tuns.get("pathy.localhost", "/apiary");
        tuns.get("pathy.localhost", "/");
        assertThat(a.requests).containsExactly("GET /apiary", "GET /");
    }

    @Test
    void stripPathFalseAndHostHeaderRewrite() throws Exception {
        tuns.ssh("-R", "keep/api:80:127.0.0.1:" + a.port(), "127.0.0.1", "strip-path=false",
                "host-header=internal.example").await("HTTP: http://keep.localhost", Duration.ofSeconds(15));
        a.requests.clear();
        tuns.get("keep.localhost", "/api/headers");
        assertThat(a.requests).containsExactly("GET /api/headers");
        tuns.ssh("-R", "hosty:80:127.0.0.1:" + a.port(), "127.0.0.1", "host-header=internal.example").httpUrl();
        String headers = tuns.get("hosty.localhost", "/headers").body();
        int port = tuns.server.httpPort();
        // sish httpmuxer.go: newHost = fmt.Sprintf("%s:%s", newHost, hostSplit[1]) when the client's Host has a port
        assertThat(headers).contains("host: internal.example:" + port + "\n",
                "x-forwarded-host: hosty.localhost:" + port + "\n",
                // oxy's HeaderRewriter{Hostname: os.Hostname()} sets X-Forwarded-Server
                "x-forwarded-server: " + Files.readString(Path.of("/proc/sys/kernel/hostname")).trim() + "\n",
                "x-forwarded-port: " + port + "\n");
    }

    @Test
    void loadBalancerAlternatesAndSkipsAGoneBackend() throws Exception {
        tuns.ssh("-R", "lb:80:127.0.0.1:" + a.port(), "127.0.0.1").httpUrl();
        // the same key joins the pool (issue #14 item 4; it used to take the name over)
        SshClient second = tuns.ssh("-R", "lb:80:127.0.0.1:" + b.port(), "127.0.0.1");
        second.await("requests are balanced", Duration.ofSeconds(15));
        a.requests.clear();
        b.requests.clear();
        for (int i = 0; i < 6; i++) {
            assertThat(tuns.get("lb.localhost", "/hello").statusCode()).isEqualTo(200);
        }
        assertThat(a.requests).hasSize(3);
        assertThat(b.requests).hasSize(3);
        second.kill9();
        Thread.sleep(500);
        for (int i = 0; i < 6; i++) {
            assertThat(tuns.get("lb.localhost", "/hello").statusCode()).as("no 502 after one backend left").isEqualTo(200);
        }
    }

    @Test
    void loadBalancerMovesARequestWithABodyToALiveMemberWhenAChannelWillNotOpen() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort(); // nothing listens here: the ssh client refuses every channel for it
        }
        tuns.ssh("-R", "lbpost:80:127.0.0.1:" + dead, "127.0.0.1").httpUrl();
        SshClient live = tuns.ssh("-R", "lbpost:80:127.0.0.1:" + b.port(), "127.0.0.1");
        live.await("requests are balanced", Duration.ofSeconds(15));
        byte[] body = TestBackend.pattern(0, 3 * 1024 * 1024, 7); // far more than one read: most is read after the switch
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(body)) + " " + body.length + "\n";
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = tuns.http.send(tuns.request("lbpost.localhost", "/sha256")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("request %d is not lost to the refusing member", i).isEqualTo(200);
            assertThat(r.body()).isEqualTo(expected);
        }
        String file = writeTemp(body);
        for (int i = 0; i < 2; i++) {
            Curl.Result chunked = Curl.run("-H", "Host: lbpost.localhost", "-H", "Transfer-Encoding: chunked",
                    "--data-binary", "@" + file, "http://127.0.0.1:" + tuns.server.httpPort() + "/sha256");
            assertThat(chunked.out()).as("chunked upload %d", i).isEqualTo(expected);
        }
    }

    private static String writeTemp(byte[] body) throws java.io.IOException {
        Path f = Files.createTempFile(tuns.dir, "body", ".bin");
        Files.write(f, body);
        return f.toString();
    }

    @Test
    void tcpLoadBalancerSharesOnePortAndSurvivesTheFirstOwnerLeaving() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SshClient first = tuns.ssh("-R", port + ":localhost:" + a.port(), "127.0.0.1");
        first.await("TCP: localhost:" + port, Duration.ofSeconds(15));
        SshClient second = tuns.ssh("-R", port + ":localhost:" + b.port(), "127.0.0.1");
        second.await("connections are balanced", Duration.ofSeconds(15));
        a.requests.clear();
        b.requests.clear();
        for (int i = 0; i < 4; i++) {
            assertThat(Curl.run("http://127.0.0.1:" + port + "/hello").out()).isEqualTo("hello from backend\n");
        }
        assertThat(a.requests).hasSize(2);
        assertThat(b.requests).hasSize(2);
        first.kill9();
        LifecycleIT.eventually(() -> tuns.server.registry().all().stream()
                .filter(t -> t.host().equals("localhost:" + port)).count() == 1, Duration.ofSeconds(5), "first member gone");
        for (int i = 0; i < 3; i++) {
            assertThat(Curl.run("http://127.0.0.1:" + port + "/hello").out()).as("listener kept for the second")
                    .isEqualTo("hello from backend\n");
        }
    }

    @Test
    void tcpLoadBalancerSkipsAMemberWhoseChannelWillNotOpen() throws Exception {
        int port;
        int dead;
        try (ServerSocket s = new ServerSocket(0); ServerSocket d = new ServerSocket(0)) {
            port = s.getLocalPort();
            dead = d.getLocalPort(); // the first member's ssh client refuses every channel
        }
        tuns.ssh("-R", port + ":localhost:" + dead, "127.0.0.1").await("TCP: localhost:" + port, Duration.ofSeconds(15));
        tuns.ssh("-R", port + ":localhost:" + b.port(), "127.0.0.1")
                .await("connections are balanced", Duration.ofSeconds(15));
        b.requests.clear();
        for (int i = 0; i < 4; i++) {
            assertThat(Curl.run("http://127.0.0.1:" + port + "/hello").out()).as("connection %d", i)
                    .isEqualTo("hello from backend\n");
        }
        assertThat(b.requests).hasSize(4);
    }

    @Test
    void proxyProtocolHeadersReachTcpBackends() throws Exception {
        for (int version : new int[] {1, 2}) {
            try (ServerSocket raw = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
                CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> {
                    try (Socket s = raw.accept()) {
                        InputStream in = s.getInputStream();
                        byte[] buf = new byte[64];
                        int n = in.readNBytes(buf, 0, version == 1 ? 8 : 12);
                        return java.util.Arrays.copyOf(buf, n);
                    } catch (Exception e) {
                        return new byte[0];
                    }
                });
                SshClient ssh = tuns.ssh("-R", "0:localhost:" + raw.getLocalPort(), "127.0.0.1", "proxy-protocol=" + version);
                int port = Integer.parseInt(ssh.await("Allocated port (\\d+)", Duration.ofSeconds(15)));
                try (Socket c = new Socket("127.0.0.1", port)) {
                    c.getOutputStream().write("payload".getBytes(StandardCharsets.US_ASCII));
                    byte[] got = first.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    if (version == 1) {
                        assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("PROXY TC");
                    } else {
                        assertThat(got).containsExactly(0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A);
                    }
                }
                ssh.close();
            }
        }
    }
}
