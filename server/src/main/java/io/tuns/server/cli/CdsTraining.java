package io.tuns.server.cli;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;

/**
 * {@code --cds-training} (hidden; bin/tuns runs it with {@code -XX:ArchiveClassesAtExit}): walks the path a real
 * start takes (flags, host key generation and decryption, both listeners) and then the path of the first
 * tunnel (an SSH login, {@code tcpip-forward}, HTTP requests through it to a local service, an unknown host), so
 * that the class-data sharing archive holds the classes of start-up and of the first proxied byte. Everything
 * runs on loopback ports chosen by the OS, in a temporary directory that is removed after. A failure while
 * exercising is ignored (the archive then holds less); a failure to start is exit code 1 and no archive.
 */
final class CdsTraining implements ServerLauncher {

    static final String FLAG = "--cds-training";
    private static final Duration STEP = Duration.ofSeconds(20);

    private final PrintWriter err;

    private CdsTraining(PrintWriter err) {
        this.err = err;
    }

    /** Runs the training; returns the exit code. */
    static int run(PrintWriter out, PrintWriter err) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tuns-cds-training");
            Files.writeString(dir.resolve("none.yml"), "{}\n");
            String[] args = {"--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--domain=localhost",
                    "--private-keys-directory=" + dir.resolve("keys"),
                    "--authentication-keys-directory=" + dir.resolve("pubkeys"),
                    "--config=" + dir.resolve("none.yml"), "--forward-options-wait=100ms"};
            // no environment: SISH_/TUNS_ variables of the caller must not change what is trained
            return Main.run(args, Map.of(), out, err, new CdsTraining(err));
        } catch (IOException e) {
            err.println("tuns: cds training: " + e.getMessage());
            return Main.EXIT_START_FAILED;
        } finally {
            deleteQuietly(dir);
        }
    }

    @Override
    public void launch(ServerConfig config) throws Exception {
        LogOutputs.apply(config);
        try (TunsServer server = new TunsServer(config)) {
            server.start();
            try {
                exercise(server);
            } catch (Exception e) {
                err.println("tuns: cds training: exercising stopped early: " + e);
            }
        }
    }

    private static void exercise(TunsServer server) throws Exception {
        httpGet(server.httpPort(), "nothing.localhost", "/"); // the unknown-host page
        try (Backend backend = new Backend(); SshClient client = SshClient.setUpDefaultClient()) {
            client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
            client.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
            client.start();
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(256);
            KeyPair key = gen.generateKeyPair();
            try (ClientSession session = client.connect("training", "127.0.0.1", server.sshPort())
                    .verify(STEP).getSession()) {
                session.addPublicKeyIdentity(key);
                session.auth().verify(STEP);
                session.startRemotePortForwarding(new SshdSocketAddress("training", 80),
                        new SshdSocketAddress("127.0.0.1", backend.port()));
                long end = System.nanoTime() + STEP.toNanos();
                int ok = 0;
                while (ok < 20 && System.nanoTime() < end) {
                    if (httpGet(server.httpPort(), "training.localhost", "/x?n=" + ok).startsWith("HTTP/1.1 200")) {
                        ok++;
                    } else {
                        Thread.sleep(50); // the forward is decided a moment after the reply
                    }
                }
            }
        }
    }

    /** One request on a fresh connection; returns the whole response. */
    private static String httpGet(int port, String host, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) STEP.toMillis());
            s.setSoTimeout((int) STEP.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A service behind the tunnel: answers every request with a short 200 and closes. */
    private static final class Backend implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final Thread thread = new Thread(this::serve, "tuns-cds-training-backend");

        Backend() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket c = socket.accept()) {
                    c.setSoTimeout((int) STEP.toMillis());
                    InputStream in = c.getInputStream();
                    int state = 0; // counts the bytes of \r\n\r\n seen in a row
                    while (state < 4) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1
                                : b == '\r' ? 1 : 0;
                    }
                    OutputStream out = c.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // closed, or a client that went away: next
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the OS cleans it up eventually
        }
    }
}
