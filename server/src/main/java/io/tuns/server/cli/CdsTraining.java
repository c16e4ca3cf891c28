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
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>With {@code -Dtuns.training.requests=N} (bin/tuns sets it when it makes a JDK 25+ AOT cache) it then sends N
 * more requests over {@value #KEEP_ALIVE_CONNECTIONS} keep-alive connections at once, as a load balancer or a
 * browser does: the AOT cache keeps the method profiles of the training (JEP 515), and they are only worth having
 * when the proxy path ran often enough to be profiled as it is under load.
 */
final class CdsTraining implements ServerLauncher {

    static final String FLAG = "--cds-training";
    private static final Duration STEP = Duration.ofSeconds(20);
    static final String REQUESTS_PROPERTY = "tuns.training.requests";
    static final int KEEP_ALIVE_CONNECTIONS = 4;
    /** Bounds the keep-alive phase whatever N says: a training that crawls on a busy machine still ends. */
    private static final Duration KEEP_ALIVE_LIMIT = Duration.ofSeconds(60);
    private static final byte[] BODY = new byte[1024]; // the bench's 1 KiB response

    private final PrintWriter err;
    private final int keepAliveRequests;

    private CdsTraining(PrintWriter err, int keepAliveRequests) {
        this.err = err;
        this.keepAliveRequests = keepAliveRequests;
    }

    /** Runs the training with {@code -Dtuns.training.requests} keep-alive requests; returns the exit code. */
    static int run(PrintWriter out, PrintWriter err) {
        return run(out, err, Integer.getInteger(REQUESTS_PROPERTY, 0));
    }

    /** Runs the training with that many keep-alive requests after the first tunnel's; returns the exit code. */
    static int run(PrintWriter out, PrintWriter err, int keepAliveRequests) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tuns-cds-training");
            Files.writeString(dir.resolve("none.yml"), "{}\n");
            String[] args = {"--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--domain=localhost",
                    "--private-keys-directory=" + dir.resolve("keys"),
                    "--authentication-keys-directory=" + dir.resolve("pubkeys"),
                    "--config=" + dir.resolve("none.yml"), "--forward-options-wait=100ms"};
            // no environment: SISH_/TUNS_ variables of the caller must not change what is trained
            return Main.run(args, Map.of(), out, err, new CdsTraining(err, keepAliveRequests));
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
                int answered = exercise(server, keepAliveRequests);
                if (keepAliveRequests > 0) {
                    err.println("tuns: cds training: " + answered + " of " + keepAliveRequests
                            + " keep-alive requests answered");
                }
            } catch (Exception e) {
                err.println("tuns: cds training: exercising stopped early: " + e);
            }
        }
    }

    /** Returns how many of the keep-alive requests were answered. */
    private static int exercise(TunsServer server, int keepAliveRequests) throws Exception {
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
                return keepAlive(server.httpPort(), keepAliveRequests);
            }
        }
    }

    /** {@code total} requests over {@link #KEEP_ALIVE_CONNECTIONS} keep-alive connections in parallel. */
    private static int keepAlive(int port, int total) throws Exception {
        if (total <= 0) {
            return 0;
        }
        long end = System.nanoTime() + KEEP_ALIVE_LIMIT.toNanos();
        AtomicInteger answered = new AtomicInteger();
        Thread[] clients = new Thread[KEEP_ALIVE_CONNECTIONS];
        for (int i = 0; i < clients.length; i++) {
            int share = total / clients.length + (i < total % clients.length ? 1 : 0);
            clients[i] = new Thread(() -> keepAliveClient(port, share, end, answered),
                    "tuns-cds-training-client-" + i);
            clients[i].start();
        }
        for (Thread c : clients) {
            c.join();
        }
        return answered.get();
    }

    private static void keepAliveClient(int port, int requests, long end, AtomicInteger answered) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) STEP.toMillis());
            s.setSoTimeout((int) STEP.toMillis());
            OutputStream out = s.getOutputStream();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            for (int n = 0; n < requests && System.nanoTime() < end; n++) {
                out.write(("GET /k?n=" + n + " HTTP/1.1\r\nHost: training.localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readResponse(in);
                answered.incrementAndGet();
            }
        } catch (IOException e) {
            // the training holds less; the archive is still made
        }
    }

    /**
     * Reads one response with a Content-Length body (what the training backend sends) and discards it; anything but
     * a 200 ends the client (so a count of answered requests is a count of requests that went through the tunnel).
     */
    private static void readResponse(InputStream in) throws IOException {
        int length = -1;
        boolean statusLine = true;
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed mid-response");
            }
            if (b != '\n') {
                line.append((char) b);
                continue;
            }
            String header = line.toString().trim();
            line.setLength(0);
            if (statusLine && !header.startsWith("HTTP/1.1 200")) {
                throw new IOException("not a 200: " + header);
            }
            statusLine = false;
            if (header.isEmpty()) {
                break;
            }
            if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        if (length < 0) {
            throw new IOException("response without Content-Length");
        }
        in.skipNBytes(length);
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

    /**
     * A service behind the tunnel: answers every request with 200 and a 1 KiB body, keeping the connection (one
     * thread per connection: the training opens at most {@value #KEEP_ALIVE_CONNECTIONS} + 1 at a time).
     */
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
                try {
                    Socket c = socket.accept();
                    Thread t = new Thread(() -> answer(c), "tuns-cds-training-backend-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    // closed: the loop ends
                }
            }
        }

        private static void answer(Socket c) {
            try (c) {
                c.setSoTimeout((int) STEP.toMillis());
                InputStream in = new java.io.BufferedInputStream(c.getInputStream());
                OutputStream out = c.getOutputStream();
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
                while (skipRequest(in)) {
                    out.write(head);
                    out.write(BODY);
                    out.flush();
                }
            } catch (IOException e) {
                // a client that went away: done with this connection
            }
        }

        /** Reads up to the end of one request's head (GETs only); false at the end of the stream. */
        private static boolean skipRequest(InputStream in) throws IOException {
            int state = 0; // counts the bytes of \r\n\r\n seen in a row
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1
                        : b == '\r' ? 1 : 0;
            }
            return true;
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
