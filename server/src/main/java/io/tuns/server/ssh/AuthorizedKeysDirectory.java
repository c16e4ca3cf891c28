package io.tuns.server.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sish's {@code --authentication-keys-directory}: every file below it is read as authorized_keys (options
 * ignored). Re-read when any file's name, size or time changes, polled at the watch interval, so adding or
 * removing a key takes effect within about a second without a restart.
 */
final class AuthorizedKeysDirectory {

    private static final Logger log = LoggerFactory.getLogger(AuthorizedKeysDirectory.class);

    private final Path dir;
    private final AtomicReference<List<PublicKey>> keys = new AtomicReference<>(List.of());
    private volatile String fingerprintOfListing = "";

    AuthorizedKeysDirectory(Path dir) {
        this.dir = dir;
        reloadIfChanged();
    }

    void watch(ScheduledExecutorService scheduler, long intervalMillis) {
        long every = Math.max(50, Math.min(intervalMillis, 1000));
        scheduler.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    }

    boolean isEmpty() {
        return keys.get().isEmpty();
    }

    int size() {
        return keys.get().size();
    }

    boolean contains(PublicKey key) {
        for (PublicKey k : keys.get()) {
            if (KeyUtils.compareKeys(k, key)) {
                return true;
            }
        }
        return false;
    }

    void reloadIfChanged() {
        List<Path> files = listFiles();
        StringBuilder listing = new StringBuilder();
        for (Path f : files) {
            try {
                listing.append(f).append('|').append(Files.size(f)).append('|')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            } catch (IOException e) {
                listing.append(f).append("|gone\n");
            }
        }
        String now = listing.toString();
        if (now.equals(fingerprintOfListing)) {
            return;
        }
        fingerprintOfListing = now;
        List<PublicKey> loaded = new ArrayList<>();
        for (Path f : files) {
            try {
                for (AuthorizedKeyEntry e : AuthorizedKeyEntry.readAuthorizedKeys(f)) {
                    try {
                        PublicKey k = e.resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
                        if (k != null) {
                            loaded.add(k);
                        }
                    } catch (Exception ex) {
                        log.warn("event=bad_authorized_key file={} error=\"{}\"", f, ex.getMessage());
                    }
                }
            } catch (IOException | RuntimeException ex) {
                log.warn("event=bad_authorized_keys_file file={} error=\"{}\"", f, ex.getMessage());
            }
        }
        keys.set(List.copyOf(loaded));
        log.info("event=authorized_keys_loaded dir={} keys={}", dir, loaded.size());
    }

    private List<Path> listFiles() {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
