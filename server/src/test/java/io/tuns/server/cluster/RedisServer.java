package io.tuns.server.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code redis-server} (Debian's package) on a free loopback port, started by the test itself, with no
 * persistence (a restart comes back empty, like a lost store). Commands for the test go over a plain socket.
 * Another server speaking the same protocol can stand in: {@code -Dtuns.test.storeServer=} (or the environment's
 * {@code TUNS_TEST_STORE_SERVER}) names the binary every test starts by default; {@link #valkey()} is Valkey.
 */
public final class RedisServer implements AutoCloseable {

    /** Where {@code .ci/valkey} installs Valkey 8.1. */
    static final String VALKEY = "/opt/valkey/bin/valkey-server";

    private final String binary;
    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(String binary, int port, Path dir) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
    }

    /** The binary tests start unless they ask for one: the property, else the environment, else redis-server. */
    public static String defaultBinary() {
        String named = System.getProperty("tuns.test.storeServer", System.getenv("TUNS_TEST_STORE_SERVER"));
        return named == null || named.isBlank() ? "redis-server" : named;
    }

    /** Valkey as {@code .ci/deps} builds it; a clear failure (not a skip) when it was not built. */
    public static String valkey() {
        if (!Files.isExecutable(Path.of(VALKEY))) {
            throw new IllegalStateException("no Valkey at " + VALKEY + ": run .ci/deps (its .ci/valkey builds it)");
        }
        return VALKEY;
    }

    public static RedisServer start() throws IOException {
        return start(defaultBinary());
    }

    public static RedisServer start(String binary) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return startAt(port, binary);
    }

    /** On {@code port} (e.g. where a store was told to look before Redis was there). */
    public static RedisServer startAt(int port) throws IOException {
        return startAt(port, defaultBinary());
    }

    public static RedisServer startAt(int port, String binary) throws IOException {
        RedisServer r = new RedisServer(binary, port, Files.createTempDirectory("tuns-redis"));
        r.startProcess();
        return r;
    }

    /** The server binary this one runs (a second server in a test starts the same kind). */
    public String binary() {
        return binary;
    }

    private void startProcess() throws IOException {
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        Process started = process;
        // a test that failed before closing it must not leave a server running after the JVM (one hook per start)
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> command("PING").equals("+PONG"));
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** One inline command; returns the first reply line (e.g. {@code +OK}). */
    public String command(String line) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                reply.append((char) c);
            }
            return reply.toString();
        }
    }

    /** One inline command with a bulk-string reply; "" for a nil reply. */
    public String bulk(String line) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(2000);
            s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String head = readLine(in);
            if (!head.startsWith("$")) {
                throw new IOException("not a bulk reply to '" + line + "': " + head);
            }
            int n = Integer.parseInt(head.substring(1));
            return n < 0 ? "" : new String(in.readNBytes(n), StandardCharsets.UTF_8);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** Stops the server and starts it again empty on the same port (Redis lost its data). */
    public void restartEmpty() throws IOException, InterruptedException {
        stop();
        startProcess();
    }

    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
