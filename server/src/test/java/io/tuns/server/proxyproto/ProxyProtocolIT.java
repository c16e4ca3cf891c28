package io.tuns.server.proxyproto;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import io.tuns.server.ssh.ClientConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** --proxy-protocol-listener with real OpenSSH tunnels: HTTP and SSH behind a PROXY v1/v2 header, and the policies. */
class ProxyProtocolIT {

    static final String V1 = "PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n";
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    /** Sends {@code first} then reads until the server closes (or 10 s); returns what came back, null on a reset. */
    static String exchange(int port, byte[] first) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(first);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got);
            } catch (java.net.SocketException reset) {
                // closed with unread data: a reset
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] concat(byte[] a, String b) {
        byte[] bb = b.getBytes(StandardCharsets.US_ASCII);
        byte[] r = new byte[a.length + bb.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(bb, 0, r, a.length, bb.length);
        return r;
    }

    static String get(TunsFixture tuns, String host) {
        return "GET /headers HTTP/1.1\r\nHost: " + host + ":" + tuns.server.httpPort() + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void httpBehindV1AndV2HeadersForwardsTheRealClientAndSshWorksWithoutOne() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-protocol-listener", "--proxy-protocol-policy=use")) {
            // policy use: this ssh connects directly, without a header
            SshClient ssh = tuns.ssh("-R", "pp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            String host = TunsFixture.hostOf(ssh.httpUrl());
            int port = tuns.server.httpPort();

            String v1 = exchange(port, (V1 + get(tuns, host)).getBytes(StandardCharsets.US_ASCII));
            assertThat(v1).startsWith("HTTP/1.1 200").contains("x-forwarded-for: 203.0.113.7\n");

            byte[] v2 = ProxyHeaderParserTest.v2("2001:db8::7", 40000, "::1", 80, 0);
            String r2 = exchange(port, concat(v2, get(tuns, host)));
            assertThat(r2).startsWith("HTTP/1.1 200").contains("x-forwarded-for: 2001:db8:0:0:0:0:0:7\n");

            byte[] v2v4 = ProxyHeaderParserTest.v2("198.51.100.9", 1234, "127.0.0.1", 80, 0);
            assertThat(exchange(port, concat(v2v4, get(tuns, host)))).contains("x-forwarded-for: 198.51.100.9\n");

            // no header under "use": the socket's address
            assertThat(exchange(port, get(tuns, host).getBytes(StandardCharsets.US_ASCII)))
                    .contains("x-forwarded-for: 127.0.0.1\n");
        }
    }

    @Test
    void requireClosesAClientWithoutHeaderAndTheTimeoutClosesAnIncompleteOne() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-protocol-listener", "--proxy-protocol-policy=require",
                "--proxy-protocol-use-timeout", "--proxy-protocol-timeout=300ms")) {
            int port = tuns.server.httpPort();
            assertThat(exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                    .isEmpty();
            // a header that never completes: closed after the timeout, well before the 10 s read timeout
            for (String partial : List.of("PROXY TCP4 203.0.", "")) {
                long t0 = System.nanoTime();
                assertThat(exchange(port, partial.getBytes(StandardCharsets.US_ASCII))).isEmpty();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(250));
            }
            // with the header the server answers (no tunnel for the name: a page, but an answer)
            assertThat(exchange(port, (V1 + "GET / HTTP/1.1\r\nHost: nothing.localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 ");
        }
    }

    @Test
    void rejectClosesAClientThatSendsAHeader() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-protocol-listener", "--proxy-protocol-policy=reject")) {
            int port = tuns.server.httpPort();
            assertThat(exchange(port, (V1 + "GET / HTTP/1.1\r\nHost: x.localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII))).isEmpty();
            assertThat(exchange(port, "GET / HTTP/1.1\r\nHost: x.localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 ");
        }
    }

    @Test
    void sshBehindAV1HeaderIsSeenFromTheHeaderSource() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-protocol-listener", "--proxy-protocol-policy=require",
                "--proxy-protocol-use-timeout", "--proxy-protocol-timeout=2s");
             Relay relay = new Relay(tuns.server.sshPort(), V1.replace(" 80\r\n", " 22\r\n"))) {
            SshClient ssh = SshClient.start(relay.port(), tuns.userKey,
                    List.of("-R", "viaproxy:80:127.0.0.1:" + backend.port(), "127.0.0.1"));
            try {
                ssh.httpUrl();
                List<ClientConnection> conns = tuns.server.connections();
                assertThat(conns).hasSize(1);
                assertThat(conns.get(0).remoteAddress()).isEqualTo("203.0.113.7:5555");
            } finally {
                ssh.close();
            }
            // require: ssh straight to the port, without a header, does not get in
            SshClient direct = SshClient.start(tuns.server.sshPort(), tuns.userKey,
                    List.of("-o", "ConnectTimeout=5", "127.0.0.1", "true"));
            assertThat(direct.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(direct.process().exitValue()).isEqualTo(255);
        }
    }

    @Test
    void ipFilterSeesTheHeaderSourceOnHttpSshAndTcp() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-protocol-listener", "--banned-ips=203.0.113.0/24");
             Relay relay = new Relay(tuns.server.sshPort(), V1)) {
            SshClient ssh = tuns.ssh("-R", "filtered:80:127.0.0.1:" + backend.port(), "-R",
                    "0:127.0.0.1:" + backend.port(), "127.0.0.1");
            String host = TunsFixture.hostOf(ssh.httpUrl());
            String tcpPort = ssh.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15));
            int port = tuns.server.httpPort();
            // HTTP: banned by the header's source, allowed without a header (127.0.0.1)
            assertThat(exchange(port, (V1 + get(tuns, host)).getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 403").contains("203.0.113.7");
            assertThat(exchange(port, get(tuns, host).getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 200");
            // TCP: the header is stripped before the tunnel; a banned source is closed
            String viaTcp = "GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            int tcp = Integer.parseInt(tcpPort);
            assertThat(exchange(tcp, ("PROXY TCP4 198.51.100.1 127.0.0.1 1 2\r\n" + viaTcp)
                    .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 200");
            assertThat(exchange(tcp, (V1 + viaTcp).getBytes(StandardCharsets.US_ASCII))).isEmpty();
            // SSH: a banned source behind the relay does not get in
            SshClient banned = SshClient.start(relay.port(), tuns.userKey,
                    List.of("-o", "ConnectTimeout=5", "127.0.0.1", "true"));
            assertThat(banned.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(banned.process().exitValue()).isEqualTo(255);
            assertThat(tuns.server.connections()).hasSize(1);
        }
    }

    /** A one-connection-at-a-time TCP relay that writes {@code header} to the target before the client's bytes. */
    static final class Relay implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;

        Relay(int target, String header) throws IOException {
            server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket c = server.accept();
                        Socket t = new Socket(InetAddress.getLoopbackAddress(), target);
                        t.getOutputStream().write(header.getBytes(StandardCharsets.US_ASCII));
                        pump(c.getInputStream(), t.getOutputStream(), t);
                        pump(t.getInputStream(), c.getOutputStream(), c);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "proxy-relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pump(InputStream in, OutputStream out, Socket to) {
            Thread th = new Thread(() -> {
                try {
                    in.transferTo(out);
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // either side closed
                }
            }, "proxy-relay-pump");
            th.setDaemon(true);
            th.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /**
     * Issue #14 item 9: proxy-protocol=2 is acknowledged as the version the TCP backend really receives: 2 with
     * --proxy-protocol-version=userdefined, 1 (said so) with the default server version 1.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void proxyProtocolTwoIsAcknowledgedAsTheVersionTheBackendReceives() throws Exception {
        byte[] v2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
        try (TunsFixture userDefined = TunsFixture.start("--proxy-protocol", "--proxy-protocol-version=userdefined")) {
            assertThat(firstBytesThroughATcpTunnel(userDefined, "Using protocol version 2\\r?\\n", 12))
                    .isEqualTo(v2Signature);
        }
        try (TunsFixture serverV1 = TunsFixture.start("--proxy-protocol")) {
            byte[] header = firstBytesThroughATcpTunnel(serverV1,
                    "Using protocol version 1\\r?\\n", 11);
            assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 ");
        }
    }

    /**
     * Opens a TCP tunnel with proxy-protocol=2 to a raw backend, checks the acknowledgement, connects through the
     * tunnel and returns the first n bytes the backend receives.
     */
    private static byte[] firstBytesThroughATcpTunnel(TunsFixture tuns, String ack, int n) throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SshClient ssh = tuns.ssh("-R", "0:127.0.0.1:" + raw.getLocalPort(), "127.0.0.1", "proxy-protocol=2");
            ssh.await(ack, Duration.ofSeconds(15));
            int port = Integer.parseInt(ssh.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15)));
            ssh.await("TCP: localhost:" + port, Duration.ofSeconds(5));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.getOutputStream().write('x');
                raw.setSoTimeout(10_000);
                try (Socket backendSide = raw.accept()) {
                    backendSide.setSoTimeout(10_000);
                    return backendSide.getInputStream().readNBytes(n);
                }
            }
        }
    }
}
