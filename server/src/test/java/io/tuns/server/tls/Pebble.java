package io.tuns.server.tls;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's pebble ACME test server on loopback, with pebble-challtestsrv as its DNS server answering every name
 * with 127.0.0.1, so pebble really validates HTTP-01 by fetching the token from the port the test names.
 * Pebble's own TLS certificate is made here (the Debian package ships none); {@link #tlsCa()} trusts it.
 */
final class Pebble implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final Path dir;
    private final int port;
    private final int managementPort;
    private Openssl.Ca tlsCa;

    Pebble(Path dir) throws IOException {
        this.dir = dir;
        this.port = freePort();
        this.managementPort = freePort();
    }

    /** The ACME directory URL; known before {@link #start} so the client can be configured first. */
    String directoryUrl() {
        return "https://127.0.0.1:" + port + "/dir";
    }

    /** @param httpPort where pebble fetches HTTP-01 tokens (sish's port 80) */
    void start(int httpPort) throws IOException, InterruptedException {
        tlsCa = Openssl.ca(dir, "pebble-tls");
        Openssl.leaf(tlsCa, dir, "pebble", Openssl.KeyFormat.PKCS8_EC, "localhost", "127.0.0.1");
        int dnsPort = freePort();
        Path config = dir.resolve("pebble-config.json");
        Files.writeString(config, """
                {"pebble": {
                  "listenAddress": "127.0.0.1:%d",
                  "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s",
                  "privateKey": "%s",
                  "httpPort": %d,
                  "tlsPort": %d,
                  "ocspResponderURL": "",
                  "externalAccountBindingRequired": false
                }}
                """.formatted(port, managementPort, dir.resolve("pebble.crt"), dir.resolve("pebble.key"), httpPort,
                freePort()));
        // no AAAA answers: tuns listens on 127.0.0.1 only
        start("dns", List.of("pebble-challtestsrv", "-dns01", "127.0.0.1:" + dnsPort, "-defaultIPv4", "127.0.0.1",
                "-defaultIPv6", "", "-http01", "", "-https01", "", "-tlsalpn01", "", "-management",
                "127.0.0.1:" + freePort()), dnsPort);
        start("pebble", List.of("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort), port);
    }

    private void start(String name, List<String> cmd, int port) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("PEBBLE_VA_NOSLEEP", "1");      // validate at once instead of after 0-15 s
        pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0"); // no random badNonce errors
        pb.environment().put("PEBBLE_AUTHZREUSE", "0");
        Process p = pb.start();
        processes.add(p);
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IOException(name + " exited: " + log(name));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException(name + " did not listen on " + port + ": " + log(name));
    }

    String log(String name) throws IOException {
        Path f = dir.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** The CA of pebble's own HTTPS certificate (for the ACME client's trust). */
    Path tlsCa() {
        return tlsCa.cert();
    }

    /** https://127.0.0.1:MGMT/<path> from pebble's management API, e.g. "intermediates/0" or "roots/0". */
    String management(String path) throws IOException, InterruptedException {
        var r = io.tuns.server.it.Curl.run("--fail", "--cacert", tlsCa.cert().toString(),
                "https://127.0.0.1:" + managementPort + "/" + path);
        if (r.exit() != 0) {
            throw new IOException("pebble management " + path + ": " + r.out());
        }
        return r.out();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
    }
}
