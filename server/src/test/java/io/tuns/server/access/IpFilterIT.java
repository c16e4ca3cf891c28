package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import io.tuns.server.tls.Openssl;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --banned-ips and --whitelisted-ips on the SSH, HTTP and TCP listeners. 127.0.0.2 is a second loopback address
 * on Linux, so the same machine is both an allowed and a refused client.
 */
class IpFilterIT {

    @Test
    void aBannedAddressIsRefusedOnSshHttpAndTcpWhileOthersWork() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--banned-ips=127.0.0.2/32,2001:db8::/32");
             TestBackend backend = new TestBackend()) {
            SshClient owner = tuns.ssh("-R", "web:80:127.0.0.1:" + backend.port(),
                    "-R", "0:localhost:" + backend.port(), "127.0.0.1");
            String url = owner.httpUrl();
            int tcpPort = Integer.parseInt(owner.await("Allocated port (\\d+)", Duration.ofSeconds(15)));

            SshClient banned = tuns.ssh("-b", "127.0.0.2", "-R", "nope:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(banned.process().waitFor()).isNotZero();
            assertThat(banned.output()).doesNotContain("HTTP:");
            assertThat(tuns.server.registry().httpTunnel("nope.localhost")).isEmpty();

            String host = "Host: web.localhost:" + tuns.server.httpPort();
            assertThat(Curl.run("-H", host, tuns.curlBase() + "/hello").out()).isEqualTo("hello from backend\n");
            Curl.Result refused = Curl.run("-i", "--interface", "127.0.0.2", "-H", host, tuns.curlBase() + "/hello");
            assertThat(refused.out()).startsWith("HTTP/1.1 403")
                    .contains("Your address 127.0.0.2 is not allowed to use this server");
            assertThat(backend.requests).hasSize(1);
            assertThat(url).startsWith("http://web.localhost:");

            assertThat(tcpRequest(null, tcpPort)).isEqualTo("hello from backend\n");
            assertThat(tcpRequest("127.0.0.2", tcpPort)).as("closed without a byte").isEmpty();
            assertThat(backend.requests).hasSize(2);
        }
    }

    @Test
    void aWhitelistRefusesEveryoneElse() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--whitelisted-ips=127.0.0.1,::1");
             TestBackend backend = new TestBackend()) {
            SshClient outsider = tuns.ssh("-b", "127.0.0.2", "-R", "out:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(outsider.process().waitFor()).isNotZero();

            SshClient insider = tuns.ssh("-R", "in:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(insider.httpUrl()).startsWith("http://in.localhost:");
            String host = "Host: in.localhost:" + tuns.server.httpPort();
            assertThat(Curl.run("-H", host, tuns.curlBase() + "/hello").out()).isEqualTo("hello from backend\n");
            assertThat(Curl.run("-i", "--interface", "127.0.0.2", "-H", host, tuns.curlBase() + "/hello").out())
                    .startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void aRefusedHttp2ClientGetsTheSentenceOnItsStreamNotJustAClosedConnection(@TempDir Path tmp) throws Exception {
        Path certs = Files.createDirectories(tmp.resolve("ssl"));
        Openssl.Ca ca = Openssl.ca(tmp, "ip-h2");
        Openssl.leaf(ca, certs, "web.localhost", Openssl.KeyFormat.SEC1_EC, "web.localhost");
        try (TunsFixture tuns = TunsFixture.start("--banned-ips=127.0.0.2/32", "--https", "--https-address=127.0.0.1:0",
                "--https-certificate-directory=" + certs);
             TestBackend backend = new TestBackend()) {
            tuns.ssh("-R", "web:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                    .await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
            int port = tuns.server.httpsPort();
            List<String> h2 = List.of("-i", "--http2", "--cacert", ca.cert().toString(), "--resolve",
                    "web.localhost:" + port + ":127.0.0.1");
            String url = "https://web.localhost:" + port + "/hello";

            Curl.Result allowed = Curl.run(concat(h2, "-v", url));
            assertThat(allowed.out()).contains("ALPN: server accepted h2", "HTTP/2 200", "hello from backend");
            Curl.Result refused = Curl.run(concat(h2, "-v", "--interface", "127.0.0.2", url));
            assertThat(refused.out()).as("HTTP/2, 403 and the reason")
                    .contains("ALPN: server accepted h2", "HTTP/2 403")
                    .contains("Your address 127.0.0.2 is not allowed to use this server");
            assertThat(backend.requests).hasSize(1);
        }
    }

    private static String[] concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** A raw HTTP/1.0 request over a TCP tunnel, from {@code fromIp} (null = any); returns the body ("" if cut). */
    private static String tcpRequest(String fromIp, int port) throws IOException {
        try (Socket s = new Socket()) {
            if (fromIp != null) {
                s.bind(new InetSocketAddress(fromIp, 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            String response;
            try {
                s.getOutputStream().write("GET /hello HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (SocketException reset) {
                return "";
            }
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? response : response.substring(body + 4);
        }
    }
}
