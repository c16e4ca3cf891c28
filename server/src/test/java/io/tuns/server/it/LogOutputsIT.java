package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** sish's --log-to-file and --log-to-stdout: the log goes to a rotating file, and the console can be turned off. */
class LogOutputsIT {

    @Test
    void theLogGoesToTheFileAndNotTheConsole() throws Exception {
        Path dir = Files.createTempDirectory("tuns-logfile");
        Files.createDirectories(dir.resolve("pubkeys"));
        Path file = dir.resolve("logs/tuns.log");
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx96m"), "--log-to-file",
                "--log-to-file-path=" + file, "--log-to-stdout=false", "--log-to-file-max-size=1",
                "--log-to-file-compress")) {
            assertThat(Curl.run("-H", "Host: nobody.localhost", "http://127.0.0.1:" + tuns.httpPort + "/").out())
                    .contains("No tunnel");
            String console = Files.readString(tuns.log, StandardCharsets.UTF_8);
            assertThat(console).as("the start line is not a log line").contains("tuns: serving");
            assertThat(console).doesNotContain("event=started");
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("INFO  TunsServer event=started");
            // sish's gin line ("%v | %s |%s %3d %s| %13v | %15s |%s %-7s %s %s\n%s"), in colour, with gin's error
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Files.readString(file,
                    StandardCharsets.UTF_8)).containsPattern(Pattern.compile("INFO  access \\d{4}/\\d\\d/\\d\\d - "
                    + "\\d\\d:\\d\\d:\\d\\d \\| nobody\\.localhost \\|\u001b\\[90;43m 404 \u001b\\[0m\\| +[0-9.]+(µs|ms) "
                    + "\\|       127\\.0\\.0\\.1 \\|\u001b\\[97;44m GET     \u001b\\[0m /\n"
                    + "Error #01: cannot find connection for host: nobody\\.localhost\n")));
        }
    }

    /** Issue #16 item 10: the admin console's address is on the start-up line and the root page; no token warns. */
    @Test
    void anAdminConsoleWithoutATokenWarnsAndItsAddressIsShown() throws Exception {
        Path dir = Files.createTempDirectory("tuns-admin-start");
        Files.createDirectories(dir.resolve("pubkeys"));
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx96m"), "--admin-console")) {
            String admin = "http://localhost:" + tuns.httpPort + "/_sish/console?x-authorization=<--admin-console-token>";
            String root = Curl.run("-H", "Host: localhost", "http://127.0.0.1:" + tuns.httpPort + "/").out();
            assertThat(root).contains("ssh -p " + tuns.sshPort + " -R myapp:80:localhost:3000 localhost")
                    .contains("the admin console is at " + admin.replace("<", "&lt;").replace(">", "&gt;"));
            String console = Files.readString(tuns.log, StandardCharsets.UTF_8);
            assertThat(console).contains("event=admin_console_without_token")
                    .contains("event=admin_console url=" + admin)
                    .contains("; admin console: " + admin);
        }
    }
}
