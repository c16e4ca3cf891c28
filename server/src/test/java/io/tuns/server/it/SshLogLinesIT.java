package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #15: at INFO, one line per SSH login (address, user, key fingerprint, client version), per forward granted
 * and refused, and per disconnect, in the --log-to-file log, for a real OpenSSH client.
 */
class SshLogLinesIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void loginForwardsAndDisconnectEachGetALine() throws Exception {
        Path dir = Files.createTempDirectory("tuns-sshlog");
        Path key = TunsFixture.authorisedKeyIn(dir);
        Path file = dir.resolve("logs/tuns.log");
        String fingerprint = fingerprintOf(key);
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx96m"), "--log-to-file", "--log-to-file-path=" + file)) {
            try (SshClient c = SshClient.start(tuns.sshPort, key, List.of("-o", "ExitOnForwardFailure=no",
                    "-R", "logged:80:127.0.0.1:9", "-R", SessionCommandsIT.REFUSED_FORWARD, "alice@127.0.0.1"))) {
                c.await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
                awaitInFile(file, "event=forward_refused");
                c.process().destroy();
            }
            awaitInFile(file, "event=ssh_disconnect");
            String log = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(log).containsPattern("event=ssh_login client=127\\.0\\.0\\.1:\\d+ user=alice key="
                    + fingerprint.replace("+", "\\+") + " client_version=\"SSH-2\\.0-OpenSSH_[^\"]+\""
                    + " cipher=aes128-gcm@openssh\\.com"); // OpenSSH lists aes-ctr first; tuns offers it aes-gcm
            assertThat(log).containsPattern("event=tunnel_opened type=http host=logged\\.localhost"
                    + " client=127\\.0\\.0\\.1:\\d+ user=alice key=" + fingerprint.replace("+", "\\+"));
            assertThat(log).containsPattern("event=forward_refused client=127\\.0\\.0\\.1:\\d+ user=alice reason=\"[^\"]+\"");
            assertThat(log).containsPattern("event=ssh_disconnect client=127\\.0\\.0\\.1:\\d+ user=alice key="
                    + fingerprint.replace("+", "\\+") + " seconds=\\d+");
        }
    }

    private static String fingerprintOf(Path key) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.split(" ")[1]; // "256 SHA256:… comment (ED25519)"
    }

    private static void awaitInFile(Path file, String text) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
            assertThat(System.nanoTime()).as("%s in %s", text, file).isLessThan(end);
            Thread.sleep(100);
        }
    }
}
