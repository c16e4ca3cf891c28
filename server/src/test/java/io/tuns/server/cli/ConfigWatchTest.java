package io.tuns.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file watch with a real file and the real loader; {@code check()} is stepped, not waited for. */
class ConfigWatchTest {

    @TempDir
    Path dir;

    final List<ServerConfig> applied = new ArrayList<>();
    ConfigWatch watch;

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
    }

    private ConfigWatch watch(Path file, String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "--config=" + file;
        System.arraycopy(flags, 0, args, 1, flags.length);
        ServerConfig running = ConfigLoader.load(args, Map.of());
        watch = new ConfigWatch(file, running, () -> ConfigLoader.load(args, Map.of()), applied::add);
        return watch;
    }

    private static void write(Path file, String yaml, int secondsLater) throws Exception {
        Files.writeString(file, yaml);
        // a different modification time even on file systems with coarse timestamps
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(secondsLater)));
    }

    @Test
    void aChangedLiveKeyIsAppliedAndAnUnchangedFileIsNot() throws Exception {
        Path file = dir.resolve("config.yml");
        write(file, "log-http-requests: true\n", 0);
        ConfigWatch w = watch(file);
        w.check();
        assertThat(applied).as("nothing changed").isEmpty();
        write(file, "log-http-requests: false\ntime-format: \"15:04:05\"\n", 5);
        w.check();
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).logHttpRequests()).isFalse();
        assertThat(applied.get(0).timeFormat()).isEqualTo("15:04:05");
        w.check();
        assertThat(applied).as("seen once").hasSize(1);
    }

    @Test
    void aFileThatNoLongerLoadsChangesNothingUntilItIsFixed() throws Exception {
        Path file = dir.resolve("config.yml");
        write(file, "debug: false\n", 0);
        ConfigWatch w = watch(file);
        write(file, "debug: [not, a, bool\n", 5);
        w.check();
        assertThat(applied).isEmpty();
        write(file, "debug: true\n", 10);
        w.check();
        assertThat(applied).extracting(ServerConfig::debug).containsExactly(true);
    }

    @Test
    void flagsKeepTheirPrecedenceOverTheReloadedFile() throws Exception {
        Path file = dir.resolve("config.yml");
        write(file, "time-format: \"2006\"\n", 0);
        ConfigWatch w = watch(file, "--log-http-requests=false");
        write(file, "time-format: \"15:04\"\nlog-http-requests: true\n", 5);
        w.check();
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).timeFormat()).isEqualTo("15:04");
        assertThat(applied.get(0).logHttpRequests()).as("the flag wins, as in sish (viper)").isFalse();
    }

    @Test
    void onlyRestartKeysChangedAppliesNothing() throws Exception {
        Path file = dir.resolve("config.yml");
        write(file, "force-all-https: false\n", 0);
        ConfigWatch w = watch(file);
        write(file, "force-all-https: true\n", 5);
        w.check();
        assertThat(applied).isEmpty();
    }

    @Test
    void aMissingFileIsWaitedFor() throws Exception {
        Path file = dir.resolve("config.yml");
        write(file, "debug: false\n", 0);
        ConfigWatch w = watch(file);
        Files.delete(file);
        w.check();
        assertThat(applied).isEmpty();
        write(file, "debug: true\n", 5);
        w.check();
        assertThat(applied).extracting(ServerConfig::debug).containsExactly(true);
    }
}
