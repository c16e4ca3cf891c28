package io.tuns.alertbot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Main()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String config(Path dir, String passwordLine) {
        return String.join("\n",
                "state-dir: " + dir.resolve("state"),
                "irc:",
                "  host: irc.example.org",
                "  user: ops",
                "  " + passwordLine,
                "  nick: opsbot",
                "  channel: '#ops'",
                "mail:",
                "  host: 127.0.0.1",
                "  security: plain",
                "  from: bot@example.org",
                "  to: ops@example.org",
                "");
    }

    @Test
    void checkConfigAcceptsAValidFile() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "hunter2\n");
        Path cfg = Files.writeString(dir.resolve("alertbot.yml"), config(dir, "password-file: " + pw));
        Run r = run("--config", cfg.toString(), "--check-config");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("is valid").doesNotContain("hunter2");
    }

    @Test
    void badConfigIsOneLineNamingTheKeyWithoutStackTrace() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "hunter2\n");
        Path cfg = Files.writeString(dir.resolve("alertbot.yml"),
                config(dir, "password-file: " + pw).replace("nick: opsbot", "nick: opsbot\n  port: zero"));
        Run r = run("--config", cfg.toString(), "--check-config");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("tuns alertbot: config error: irc.port: must be a whole number, got 'zero'");
        Run missing = run("--config", dir.resolve("nope.yml").toString(), "--check-config");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip().lines().count()).isEqualTo(1);
        assertThat(missing.err()).contains("--config: cannot read");
    }

    @Test
    void aCaFileThatIsNotPemFailsCheckConfigNamingTheKey() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "hunter2\n");
        Path key = Files.writeString(dir.resolve("bouncer-key.pem"),
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n");
        Path cfg = Files.writeString(dir.resolve("alertbot.yml"), config(dir, "password-file: " + pw)
                .replace("nick: opsbot", "nick: opsbot\n  trust-ca-file: " + key));
        Run r = run("--config", cfg.toString(), "--check-config");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("tuns alertbot: config error: irc.trust-ca-file: file " + key)
                .contains("certificate").doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void aListenAddressInUseIsNamedInTheStartError() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "hunter2\n");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path cfg = Files.writeString(dir.resolve("alertbot.yml"), config(dir, "password-file: " + pw)
                    + "http:\n  listen: 127.0.0.1:" + taken.getLocalPort() + "\n");
            Run r = run("--config", cfg.toString());
            assertThat(r.code()).isEqualTo(1);
            // (the test logback config prints log lines to the same stream; the error is the last line)
            assertThat(r.err().strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo(
                    "tuns alertbot: cannot start: http.listen 127.0.0.1:"
                    + taken.getLocalPort() + ": Address already in use");
        }
    }
}
