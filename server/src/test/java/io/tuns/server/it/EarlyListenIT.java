package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listening sockets are bound first thing in main (issue #18: a restart is an outage until they are): a
 * connection made before the server has built anything waits in the kernel's backlog and is served once the server
 * is up. The proof that it was made early: the HTTP front logs that it listens before the SSH front is even set up,
 * so an SSH connection accepted while that line is not yet in the log cannot have met the late bind. Real tuns
 * JVM through the CLI entry point, real OpenSSH client, real HTTP backend (python3).
 */
@Timeout(180)
class EarlyListenIT {

    @TempDir
    Path dir;

    @Test
    void connectionsMadeDuringStartUpAreServedOnceTheServerIsUp() throws Exception {
        Path key = dir.resolve("client");
        Process kg = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).start();
        assertThat(kg.waitFor()).isZero();
        Files.createDirectories(dir.resolve("pubkeys"));
        Files.writeString(dir.resolve("none.yml"), "{}\n");
        int ssh = ForkedTuns.freePort();
        int http = ForkedTuns.freePort();
        Path log = dir.resolve("tuns.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.tuns.server.cli.Main", "serve",
                "--ssh-address=127.0.0.1:" + ssh, "--http-address", "127.0.0.1:" + http, "--domain=localhost",
                "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + dir.resolve("pubkeys"), "--config=" + dir.resolve("none.yml")));
        Process tuns = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (PythonService backend = PythonService.start(5)) {
            Socket early = connectWhenAccepted(ssh, tuns);
            String logThen = Files.readString(log);
            Socket earlyHttp = connectWhenAccepted(http, tuns); // bound just after the SSH port
            earlyHttp.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            try (SshClient client = SshClient.start(ssh, key, List.of("-N", "-R",
                    "early:80:127.0.0.1:" + backend.port(), "127.0.0.1"));
                 early; earlyHttp) {
                assertThat(logThen).as("accepted before the HTTP front was even started")
                        .doesNotContain("http_listening").doesNotContain("tuns: serving");
                early.setSoTimeout(60_000);
                assertThat(readLine(early.getInputStream())).startsWith("SSH-2.0-");
                earlyHttp.setSoTimeout(60_000);
                assertThat(readLine(earlyHttp.getInputStream())).startsWith("HTTP/1.1 200"); // the root page

                // the ssh -R client started before the server was up gets its tunnel
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                        Curl.run("-H", "Host: early.localhost", "http://127.0.0.1:" + http + "/").out()
                                .contains("hello from python"));
                assertThat(client.process().isAlive()).isTrue();
            }
        } finally {
            tuns.destroy();
            tuns.waitFor();
        }
    }

    private static Socket connectWhenAccepted(int port, Process tuns) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return s;
            } catch (IOException refused) {
                s.close();
                assertThat(tuns.isAlive()).as("tuns exited").isTrue();
                assertThat(System.nanoTime()).as("port %d never accepted", port).isLessThan(end);
                Thread.sleep(2);
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n' && b.length() < 256) {
            b.append((char) c);
        }
        return b.toString();
    }
}
