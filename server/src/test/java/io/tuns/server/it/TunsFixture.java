package io.tuns.server.it;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts tuns in-process on free loopback ports with its own key directories, plus helpers to make keys,
 * start real ssh clients and send HTTP requests with a chosen Host (Java does not resolve *.localhost).
 */
public final class TunsFixture implements AutoCloseable {

    public final Path dir;
    public final TunsServer server;
    public final Path userKey;
    private final List<AutoCloseable> owned = new ArrayList<>();
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TunsFixture(Path dir, TunsServer server, Path userKey) {
        this.dir = dir;
        this.server = server;
        this.userKey = userKey;
    }

    public static TunsFixture start(String... extraArgs) throws Exception {
        Path dir = Files.createTempDirectory("tuns-it");
        Path pubkeys = Files.createDirectories(dir.resolve("pubkeys"));
        Path key = keygen(dir, "user");
        Files.copy(Path.of(key + ".pub"), pubkeys.resolve("user.pub"));
        List<String> args = new ArrayList<>(List.of(
                "--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0", "--domain=localhost",
                "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + pubkeys,
                "--bind-random-subdomains=false", "--config=" + dir.resolve("none.yml")));
        args.addAll(Arrays.asList(extraArgs));
        Files.writeString(dir.resolve("none.yml"), "{}\n");
        TunsServer server = new TunsServer(ConfigLoader.fromArgs(args.toArray(String[]::new)));
        server.start();
        return new TunsFixture(dir, server, key);
    }

    /**
     * A fresh directory with an authorised user key: {@code pubkeys/user.pub} holds the public half of the returned
     * key. For tests that start their own (forked) server in it.
     */
    public static Path authorisedKeyIn(Path dir) throws IOException, InterruptedException {
        java.nio.file.Files.createDirectories(dir.resolve("pubkeys"));
        Path key = keygen(dir, "user");
        java.nio.file.Files.copy(Path.of(key + ".pub"), dir.resolve("pubkeys/user.pub"));
        return key;
    }

    /** Authorises one more key on this running server; the key directory is re-read within ~1 s. */
    public Path authoriseAnotherKey(String name) throws IOException, InterruptedException {
        Path key = keygen(dir, name);
        java.nio.file.Files.copy(Path.of(key + ".pub"), dir.resolve("pubkeys/" + name + ".pub"));
        Thread.sleep(1200);
        return key;
    }

    public static Path keygen(Path dir, String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name + "_ed25519");
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString())
                .redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + new String(p.getInputStream().readAllBytes()));
        }
        return key;
    }

    /** {@code ssh -p PORT -N -R spec 127.0.0.1} (or with extra args) using the authorised test key. */
    public SshClient ssh(String... args) throws IOException {
        return ssh(userKey, args);
    }

    public SshClient ssh(Path key, String... args) throws IOException {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        SshClient c = SshClient.start(server.sshPort(), key, a);
        owned.add(c);
        return c;
    }

    public HttpResponse<String> get(String host, String path) throws IOException, InterruptedException {
        return http.send(request(host, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpRequest.Builder request(String host, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Host", host + ":" + server.httpPort()).timeout(Duration.ofSeconds(60));
    }

    /** Host part of a printed URL such as http://abc.localhost:1234. */
    public static String hostOf(String url) {
        return URI.create(url).getHost();
    }

    public String curlBase() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        server.close();
    }
}
