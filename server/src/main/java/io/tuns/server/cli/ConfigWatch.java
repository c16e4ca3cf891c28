package io.tuns.server.cli;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ReloadPlan;
import io.tuns.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sish's viper.WatchConfig: the config file is checked for changes (size and modification time, every
 * {@link #INTERVAL}) and re-read with the same flags and environment, which keep their precedence over it. A
 * file that no longer loads changes nothing and is reported in one line; a good one is applied as far as
 * {@link ReloadPlan} allows and the keys that need a restart are named. One daemon thread, one file.
 */
final class ConfigWatch implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(ConfigWatch.class);

    private final Path file;
    private final Supplier<ServerConfig> loader;
    private final Consumer<ServerConfig> apply;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tuns-config-watch");
        t.setDaemon(true);
        return t;
    });
    private ServerConfig running;
    private Object lastSeen;

    /**
     * @param loader re-reads the whole configuration (flags > environment > file > defaults); throws
     *               {@link ConfigException} for a bad file
     * @param apply  takes over a reloaded configuration's live keys
     */
    ConfigWatch(Path file, ServerConfig running, Supplier<ServerConfig> loader, Consumer<ServerConfig> apply) {
        this.file = file;
        this.running = running;
        this.loader = loader;
        this.apply = apply;
        this.lastSeen = stamp();
    }

    void start() {
        timer.scheduleWithFixedDelay(this::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One look at the file; package-private so a test can step it without waiting. */
    void check() {
        Object now = stamp();
        if (now == null || Objects.equals(now, lastSeen)) {
            return; // unchanged, or missing for a moment while an editor saves it
        }
        lastSeen = now;
        ServerConfig fresh;
        try {
            fresh = loader.get();
        } catch (ConfigException e) {
            log.warn("event=config_reload_failed file={} reason=\"{}\" (the running configuration is kept)", file,
                    e.getMessage().replace('"', '\''));
            return;
        } catch (RuntimeException e) {
            log.warn("event=config_reload_failed file={} reason=\"{}\"", file, e.toString().replace('"', '\''));
            return;
        }
        ReloadPlan plan = ReloadPlan.of(running, fresh);
        log.info("Reloaded configuration file."); // sish's line (cmd/sish.go OnConfigChange)
        if (!plan.applied().isEmpty()) {
            apply.accept(fresh);
            log.info("event=config_reloaded applied={}", String.join(",", plan.applied()));
        }
        if (!plan.restart().isEmpty()) {
            log.warn("event=config_changed_needs_restart keys={}", String.join(",", plan.restart()));
        }
        running = fresh;
    }

    /** Size and modification time, or null while the file is missing (an editor's save in progress). */
    private Object stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.size() + "@" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
