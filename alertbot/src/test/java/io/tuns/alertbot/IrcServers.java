package io.tuns.alertbot;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's ngircd and ZNC (in front of it, TLS listener) as child processes with their own temp dirs and free
 * loopback ports. ZNC sleeps 30 s when started as root, so as root it runs as nobody (setpriv).
 */
final class IrcServers implements AutoCloseable {
    static final String ZNC_USER = "alertbot";
    static final String ZNC_PASSWORD = "s3cret-for-tests";
    static final String NETWORK = "local";
    static final String CHANNEL = "#ops";

    final Path dir;
    final int ircPort = freePort();
    final int zncPort = freePort();
    final Path caFile;
    private Process ngircd;
    private Process znc;
    private final List<Process> all = new ArrayList<>();

    /** @param certName the DNS name the bouncer's certificate is for (its SAN also has 127.0.0.1 only if "localhost") */
    IrcServers(Path dir, String certName) throws Exception {
        this.dir = dir;
        // ZNC may run as nobody (see above): it must reach its datadir through the JUnit temp dir.
        Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path zncDir = dir.resolve("znc");
        Files.createDirectories(zncDir.resolve("configs"));
        Path key = dir.resolve("key.pem");
        caFile = dir.resolve("cert.pem");
        String san = certName.equals("localhost") ? "DNS:localhost,IP:127.0.0.1" : "DNS:" + certName;
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
                caFile.toString(), "-subj", "/CN=" + certName, "-addext", "subjectAltName=" + san, "-days", "2");
        Files.writeString(zncDir.resolve("znc.pem"), Files.readString(key) + Files.readString(caFile));
        Files.writeString(dir.resolve("ngircd.conf"), String.join("\n",
                "[Global]", "Name = irc.test", "Info = tuns alertbot test", "Listen = 127.0.0.1",
                "Ports = " + ircPort, "MotdPhrase = hello", "PidFile = " + dir.resolve("ngircd.pid"),
                "[Limits]", "PingTimeout = 120", "PongTimeout = 20", "MaxNickLength = 20",
                "[Options]", "PAM = no", "Ident = no", "DNS = no", ""));
        Files.writeString(zncDir.resolve("configs/znc.conf"), String.join("\n",
                "Version = 1.8.2", "ConnectDelay = 1", "ServerThrottle = 1",
                "<Listener l>", "  Port = " + zncPort, "  IPv4 = true", "  IPv6 = false", "  SSL = true",
                "  Host = 127.0.0.1", "</Listener>",
                "<User " + ZNC_USER + ">", "  <Pass password>", "    Method = plain", "    Hash = " + ZNC_PASSWORD,
                "  </Pass>", "  Nick = alertbot", "  AltNick = alertbot_", "  Ident = alertbot",
                "  RealName = alertbot", "  Admin = true", "  MaxNetworks = 2",
                "  <Network " + NETWORK + ">", "    Server = 127.0.0.1 " + ircPort,
                "    <Chan " + CHANNEL + ">", "    </Chan>", "  </Network>", "</User>", ""));
        Files.writeString(dir.resolve("password"), ZNC_PASSWORD + "\n");
        openUp(dir);
    }

    private static void openUp(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
    }

    void startNgircd() throws Exception {
        ngircd = start(dir.resolve("ngircd.log"), "/usr/sbin/ngircd", "--nodaemon", "--config",
                dir.resolve("ngircd.conf").toString());
        awaitPort(ircPort);
    }

    void startZnc() throws Exception {
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        cmd.addAll(List.of("znc", "--datadir", dir.resolve("znc").toString(), "--foreground"));
        znc = start(dir.resolve("znc.log"), cmd.toArray(String[]::new));
        awaitPort(zncPort);
    }

    /** SIGKILL, like a VM that dies: no QUIT, no goodbye. */
    void killZnc() throws InterruptedException {
        znc.destroyForcibly();
        znc.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: the process keeps its sockets but answers nothing (a hung VM). SIGKILL in close() still works. */
    void freezeZnc() throws Exception {
        new ProcessBuilder("kill", "-STOP", Long.toString(znc.pid())).start().waitFor();
    }

    /** SIGCONT: the frozen bouncer resumes where it stopped. */
    void thawZnc() throws Exception {
        new ProcessBuilder("kill", "-CONT", Long.toString(znc.pid())).start().waitFor();
    }

    void killNgircd() throws InterruptedException {
        ngircd.destroyForcibly();
        ngircd.waitFor(10, TimeUnit.SECONDS);
    }

    private Process start(Path log, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        all.add(p);
        return p;
    }

    static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("nothing listening on 127.0.0.1:" + port);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() {
        for (Process p : all) {
            p.destroyForcibly();
        }
        for (Process p : all) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
