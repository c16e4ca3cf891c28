package io.tuns.alertbot.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ops/install.sh into a temporary root, as a deployer runs it: the system user exists, /opt/tuns holds a launcher
 * that really starts the installed jar with its lib/ jars, the example config passes --check-config once its
 * secrets are set, and systemd-analyze (Debian's systemd) accepts both units in that root.
 */
class InstallScriptIT {
    @TempDir
    Path root;

    record Result(int code, String out) {}

    static Result run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    @Timeout(120)
    void installsTheAlertBotIntoATemporaryRootThatStartsAsDocumented() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "install.sh creates users: needs root");
        Path ops = OpsDir.find();
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n");
        Files.writeString(etc.resolve("shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(etc.resolve("gshadow"), "root:*::\n");

        Result first = run(Map.of(), ops.resolve("install.sh").toString(), "--root", root.toString(), "alertbot");
        assertThat(first.code()).as(first.out()).isZero();
        assertThat(first.out()).contains("created system user tuns-alertbot")
                .contains("Left to edit").contains("/etc/tuns/alertbot.yml").contains("/etc/tuns/alertbot.env")
                .contains("systemctl enable --now tuns-alertbot.service");
        assertThat(Files.readString(etc.resolve("passwd")))
                .containsPattern("(?m)^tuns-alertbot:x:\\d+:\\d+:[^:]*:/var/lib/tuns-alertbot:/usr/sbin/nologin$");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(etc.resolve("tuns/alertbot.env"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(etc.resolve("tuns/alertbot.yml"))))
                .isEqualTo("rw-r-----");
        assertThat(root.resolve("opt/tuns/alertbot/target/tuns-alertbot.jar")).isRegularFile();
        try (var jars = Files.list(root.resolve("opt/tuns/alertbot/target/lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(n -> n.startsWith("client-lib-")).anyMatch(n -> n.startsWith("angus-mail-"));
        }
        assertThat(Files.readString(etc.resolve("systemd/system/tuns-alertbot.service")))
                .isEqualTo(Files.readString(ops.resolve("systemd/tuns-alertbot.service")));

        // The installed launcher runs the installed jar; the example config is valid once the env file is filled.
        Result check = run(Map.of("ALERTBOT_IRC_PASSWORD", "x", "ALERTBOT_SMTP_PASSWORD", "y"),
                root.resolve("opt/tuns/bin/tuns").toString(), "alertbot", "--config",
                etc.resolve("tuns/alertbot.yml").toString(), "--check-config");
        assertThat(check.code()).as(check.out()).isZero();
        assertThat(check.out()).contains("is valid");

        // systemd-analyze resolves ExecStart= and the dependencies inside the root: give it Debian's own units.
        Files.createDirectories(root.resolve("lib/systemd"));
        assertThat(run(Map.of(), "cp", "-a", "/lib/systemd/system", root.resolve("lib/systemd/").toString()).code())
                .isZero();
        Files.copy(ops.resolve("systemd/tuns.service"), etc.resolve("systemd/system/tuns.service"));
        for (String unit : List.of("tuns-alertbot.service", "tuns.service")) {
            Result verify = run(Map.of(), "systemd-analyze", "verify", "--root=" + root,
                    "/etc/systemd/system/" + unit);
            assertThat(verify.code()).as(unit + ": " + verify.out()).isZero();
            assertThat(verify.out()).as(unit).isBlank();
        }

        // Again: an upgrade keeps the deployer's files and the user.
        Files.writeString(etc.resolve("tuns/alertbot.env"), "ALERTBOT_IRC_PASSWORD=edited\n");
        Result again = run(Map.of(), ops.resolve("install.sh").toString(), "--root", root.toString(), "alertbot");
        assertThat(again.code()).as(again.out()).isZero();
        assertThat(again.out()).contains("user tuns-alertbot exists").contains("kept existing /etc/tuns/alertbot.env")
                .contains("Nothing new to edit");
        assertThat(Files.readString(etc.resolve("tuns/alertbot.env"))).isEqualTo("ALERTBOT_IRC_PASSWORD=edited\n");
    }

    @Test
    @Timeout(60)
    void aMissingBuildIsOneLineBeforeAnythingChanges(@TempDir Path checkout) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "install.sh needs root");
        // The script from a checkout that was never built (it finds its files relative to itself).
        Files.createDirectories(checkout.resolve("ops"));
        Path script = Files.copy(OpsDir.find().resolve("install.sh"), checkout.resolve("ops/install.sh"));
        Result r = run(Map.of(), script.toString(), "--root", root.toString(), "alertbot");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out().strip()).contains("tuns-alertbot.jar").contains("build first").doesNotContain("\n");
        try (var left = Files.list(root)) {
            assertThat(left.toList()).as("nothing installed").isEmpty();
        }
    }
}
