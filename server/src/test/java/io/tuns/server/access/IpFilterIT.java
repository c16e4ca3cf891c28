package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
