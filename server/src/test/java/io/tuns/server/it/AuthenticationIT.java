package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys from the directory (re-read live), the shared password, and the refusal to run open on a public address. */
class AuthenticationIT {

    @Test
    void keyDirectoryChangesApplyWithinASecond() throws Exception {
        try (TunsFixture tuns = TunsFixture.start(); TestBackend backend = new TestBackend()) {
            Path stranger = TunsFixture.keygen(tuns.dir, "stranger");
            SshClient refused = tuns.ssh(stranger, "-R", "s1:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(refused.process().waitFor()).isNotZero();
            assertThat(refused.output()).contains("Permission denied");

            Files.copy(Path.of(stranger + ".pub"), tuns.dir.resolve("pubkeys/stranger.pub"));
            Thread.sleep(1200);
            SshClient admitted = tuns.ssh(stranger, "-R", "s2:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(admitted.httpUrl()).startsWith("http://s2.localhost:");

            Files.delete(tuns.dir.resolve("pubkeys/stranger.pub"));
            Thread.sleep(1200);
            SshClient refusedAgain = tuns.ssh(stranger, "-R", "s3:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(refusedAgain.process().waitFor()).isNotZero();
        }
    }

    @Test
    void sharedPasswordWorksAndAWrongOneIsRefused() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--authentication-password=s3cret-pw");
             TestBackend backend = new TestBackend()) {
            assertThat(passwordLogin(tuns, "s3cret-pw", "pw1", backend.port()).httpUrl()).startsWith("http://pw1.localhost:");
            SshClient wrong = passwordLogin(tuns, "not-it", "pw2", backend.port());
            assertThat(wrong.process().waitFor()).isNotZero();
            assertThat(wrong.output()).contains("Permission denied");
            assertThat(tuns.server.registry().httpTunnel("pw2.localhost")).isEmpty();
        }
    }

    /** Real ssh reading the password through SSH_ASKPASS (OpenSSH ≥ 8.4), as a script would. */
    private static SshClient passwordLogin(TunsFixture tuns, String password, String name, int backendPort) throws Exception {
        Path askpass = tuns.dir.resolve("askpass-" + name + ".sh");
        Files.writeString(askpass, "#!/bin/sh\necho '" + password + "'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/ssh", "-p", String.valueOf(tuns.server.sshPort()),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                "-o", "NumberOfPasswordPrompts=1", "-o", "ExitOnForwardFailure=yes",
                "-R", name + ":80:127.0.0.1:" + backendPort, "127.0.0.1").redirectErrorStream(true);
        pb.environment().put("SSH_ASKPASS", askpass.toString());
        pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
        pb.environment().put("DISPLAY", ":0");
        return SshClient.wrap(pb.start());
    }

    @Test
    void refusesToStartOpenOnANonLoopbackAddress() throws Exception {
        Path dir = Files.createTempDirectory("tuns-auth");
        assertThatThrownBy(() -> new TunsServer(ConfigLoader.fromArgs("--ssh-address=0.0.0.0:0",
                "--http-address=127.0.0.1:0", "--private-keys-directory=" + dir.resolve("k"),
                "--authentication-keys-directory=" + dir.resolve("empty"), "--config=" + writeEmpty(dir))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--authentication-keys-directory")
                .hasMessageContaining("--authentication-password")
                .hasMessageContaining("--authentication=false");
    }

    @Test
    void loopbackWithNothingConfiguredAcceptsAnyKey() throws Exception {
        Path dir = Files.createTempDirectory("tuns-open");
        TunsServer server = new TunsServer(ConfigLoader.fromArgs("--ssh-address=127.0.0.1:0",
                "--http-address=127.0.0.1:0", "--private-keys-directory=" + dir.resolve("k"),
                "--authentication-keys-directory=" + dir.resolve("empty"), "--config=" + writeEmpty(dir)));
        server.start();
        try (TestBackend backend = new TestBackend()) {
            Path anyKey = TunsFixture.keygen(dir, "any");
            try (SshClient c = SshClient.start(server.sshPort(), anyKey, List.of("-R", "open:80:127.0.0.1:" + backend.port(),
                    "127.0.0.1"))) {
                assertThat(c.await("HTTP: (http://\\S+)", Duration.ofSeconds(15))).startsWith("http://open.localhost:");
            }
        } finally {
            server.close();
        }
    }

    private static Path writeEmpty(Path dir) throws Exception {
        Path f = dir.resolve("none.yml");
        Files.writeString(f, "{}\n");
        return f;
    }
}
