package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #15: the config file is watched and re-read while tuns runs, as sish's cmd/sish.go does:
 * <pre>
 * viper.WatchConfig()
 * viper.OnConfigChange(func(e fsnotify.Event) { log.Println("Reloaded configuration file.") … })
 * </pre>
 * sish reads its settings when it uses them, so a changed key applies from then on; tuns applies its live keys
 * ({@code log-http-requests}, {@code time-format}, {@code debug}) in place, names every other changed key as
 * needing a restart, and keeps the running configuration when the file no longer loads. Through the real CLI in
 * its own JVM, with real HTTP requests whose access lines show the effect.
 */
class ConfigReloadIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void liveKeysApplyRestartKeysAreNamedAndABrokenFileChangesNothing() throws Exception {
        Path dir = Files.createTempDirectory("tuns-reload");
        Files.createDirectories(dir.resolve("pubkeys"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, "log-http-requests: false\ntime-format: \"2006/01/02 - 15:04:05\"\n");
        try (ForkedTuns tuns = ForkedTuns.start(dir, config, List.of("-Xmx96m"))) {
            // access lines off: a request leaves none (checked once a later line proves lines are written)
            get(tuns, "before.localhost");

            // 1. live keys: the next request is logged, in the new Go time layout, without a restart
            Files.writeString(config, "log-http-requests: true\ntime-format: \"2006-01-02T15:04:05\"\n");
            awaitLog(tuns, "event=config_reloaded applied=");
            assertThat(log(tuns)).contains("Reloaded configuration file."); // sish's line
            String applied = lineWith(log(tuns), "event=config_reloaded applied=");
            assertThat(applied).contains("log-http-requests").contains("time-format")
                    .doesNotContain("needs_restart");
            get(tuns, "after.localhost");
            Pattern newLayout = Pattern.compile("INFO  access \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d \\| after\\.localhost \\|");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log(tuns)).containsPattern(newLayout));
            assertThat(log(tuns)).as("log-http-requests was false then").doesNotContain("| before.localhost |");

            // 2. a restart-only key: named, not applied; the live keys stay as they are
            Files.writeString(config, "log-http-requests: true\ntime-format: \"2006-01-02T15:04:05\"\n"
                    + "bind-random-subdomains: true\n");
            awaitLog(tuns, "event=config_changed_needs_restart keys=");
            assertThat(lineWith(log(tuns), "event=config_changed_needs_restart keys="))
                    .endsWith("keys=bind-random-subdomains");
            assertThat(count(log(tuns), "event=config_reloaded applied=")).as("nothing live changed").isEqualTo(1);

            // 3. a broken file: one error line, no stack trace, the running configuration kept
            Files.writeString(config, "log-http-requests: [false\ntime-format: \"2006\"\n");
            awaitLog(tuns, "event=config_reload_failed");
            assertThat(lineWith(log(tuns), "event=config_reload_failed"))
                    .contains("file=" + config).contains("(the running configuration is kept)");
            get(tuns, "broken.localhost");
            Pattern kept = Pattern.compile("INFO  access \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d \\| broken\\.localhost \\|");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log(tuns)).containsPattern(kept));
            assertThat(count(log(tuns), "event=config_reloaded applied=")).isEqualTo(1);
            assertThat(log(tuns)).doesNotContain("\tat ").doesNotContain("Exception");
            assertThat(tuns.process.isAlive()).isTrue();
        }
    }

    private static void get(ForkedTuns tuns, String host) throws Exception {
        assertThat(Curl.run("-H", "Host: " + host, "http://127.0.0.1:" + tuns.httpPort + "/").out()).contains("No tunnel");
    }

    private static void awaitLog(ForkedTuns tuns, String text) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(log(tuns)).contains(text));
    }

    private static String log(ForkedTuns tuns) throws Exception {
        return Files.readString(tuns.log, StandardCharsets.UTF_8);
    }

    private static String lineWith(String log, String text) {
        return log.lines().filter(l -> l.contains(text)).reduce((a, b) -> b).orElseThrow();
    }

    private static long count(String log, String text) {
        return log.lines().filter(l -> l.contains(text)).count();
    }
}
