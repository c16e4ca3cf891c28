package io.tuns.server.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates of {@code --https-certificate-directory}: every {@code name.crt} + {@code name.key} pair in the
 * directory (not its subdirectories), mapped by the host names each certificate covers. A poll compares a cheap
 * listing fingerprint (names, sizes, modification times) and rebuilds the SNI mapping only when it changed; readers
 * see an immutable snapshot through one atomic reference. A broken pair is logged once and skipped.
 */
public final class CertificateStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateStore.class);

    private final Path dir;
    private final String domain;
    private final CertificateEvents events;
    /** Offer h2 by ALPN ({@code --https-h2}); every context built here says the same. */
    private final boolean h2;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final Object refreshLock = new Object();
    /** Per pair name: the fingerprint last loaded and what came of it (null pair = broken). Guarded by refreshLock. */
    private final Map<String, Loaded> byName = new HashMap<>();
    private List<String> lastListing;
    private CertificatePair selfSigned;
    private ScheduledFuture<?> poll;

    private record Loaded(String fingerprint, CertificatePair pair) {
    }

    /** What a handshake reads: the SNI mapping, the hosts covered, and the certificate for unknown names. */
    private record Snapshot(Mapping<String, SslContext> mapping, Set<String> hosts, CertificatePair fallback) {
    }

    /** A store whose contexts offer HTTP/1.1 only. */
    public CertificateStore(Path dir, String domain, CertificateEvents events) {
        this(dir, domain, events, false);
    }

    /** @param h2 offer HTTP/2 by ALPN as well ({@code --https-h2}) */
    public CertificateStore(Path dir, String domain, CertificateEvents events, boolean h2) {
        this.dir = dir;
        this.domain = domain;
        this.events = events;
        this.h2 = h2;
        refresh();
    }

    /** Polls the directory every {@code interval} on {@code scheduler} until {@link #close()}. */
    public void watch(ScheduledExecutorService scheduler, Duration interval) {
        long ms = Math.max(1, interval.toMillis());
        poll = scheduler.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // a poll must never die: the next one retries
            log.warn("event=certificate_reload_failed dir={} error=\"{}\"", dir, CertificatePair.rootMessage(e));
        }
    }

    /** Re-reads the directory if its listing changed. @return true when the served set was rebuilt */
    public boolean refresh() {
        synchronized (refreshLock) {
            Map<String, String> listing = listing();
            List<String> fingerprint = listing.entrySet().stream().map(e -> e.getKey() + "|" + e.getValue()).toList();
            if (fingerprint.equals(lastListing)) {
                return false;
            }
            lastListing = fingerprint;
            rebuild(listing);
            return true;
        }
    }

    private void rebuild(Map<String, String> listing) {
        Map<String, CertificatePair> pairs = new TreeMap<>();
        Set<String> names = new java.util.TreeSet<>();
        for (String file : listing.keySet()) {
            if (file.endsWith(".crt")) {
                names.add(file.substring(0, file.length() - ".crt".length()));
            }
        }
        for (String name : names) {
            String keyFp = listing.get(name + ".key");
            if (keyFp == null) {
                remember(name, "no-key", null, "there is no " + name + ".key next to " + name + ".crt");
                continue;
            }
            String fp = listing.get(name + ".crt") + "/" + keyFp;
            Loaded before = byName.get(name);
            if (before != null && before.fingerprint.equals(fp)) {
                if (before.pair != null) {
                    pairs.put(name, before.pair);
                }
                continue;
            }
            try {
                CertificatePair pair = CertificatePair.load(name, dir.resolve(name + ".crt"), dir.resolve(name + ".key"),
                        h2);
                byName.put(name, new Loaded(fp, pair));
                pairs.put(name, pair);
                events.loaded(name, pair.notAfterEpochSeconds());
                log.info("event=certificate_loaded name={} hosts={} serial={} not_after={}", name,
                        String.join(",", pair.hosts()), pair.serial().toString(16), pair.notAfterEpochSeconds());
            } catch (IOException | RuntimeException e) {
                remember(name, fp, null, e instanceof IOException ? e.getMessage() : CertificatePair.rootMessage(e));
            }
        }
        for (String gone : List.copyOf(byName.keySet())) {
            if (!names.contains(gone)) {
                Loaded was = byName.remove(gone);
                if (was.pair != null) {
                    events.removed(gone);
                    log.info("event=certificate_removed name={}", gone);
                }
            }
        }
        current.set(snapshot(List.copyOf(pairs.values())));
    }

    private void remember(String name, String fp, CertificatePair pair, String reason) {
        Loaded before = byName.put(name, new Loaded(fp, pair));
        if (before != null && before.pair != null) {
            events.removed(name);
        }
        if (before == null || !before.fingerprint.equals(fp)) {
            log.warn("event=certificate_skipped name={} dir={} reason=\"{}\"", name, dir, reason);
        }
    }

    private Snapshot snapshot(List<CertificatePair> pairs) {
        CertificatePair fallback = pairs.stream().filter(p -> p.covers(domain)).findFirst()
                .orElse(pairs.isEmpty() ? selfSigned() : pairs.get(0));
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(fallback.context());
        for (CertificatePair p : pairs) {
            for (String host : p.hosts()) {
                try {
                    b.add(host, p.context());
                } catch (IllegalArgumentException e) {
                    // a SAN Netty cannot match (such as "*" or "a*.b"): clients would reject it too
                    log.warn("event=certificate_name_skipped name={} host={}", p.name(), host);
                }
            }
        }
        Set<String> hosts = new java.util.HashSet<>();
        pairs.forEach(p -> hosts.addAll(p.hosts()));
        return new Snapshot(b.build(), Set.copyOf(hosts), fallback);
    }

    private CertificatePair selfSigned() {
        if (selfSigned == null) {
            selfSigned = SelfSigned.forDomain(domain, h2);
            log.warn("event=self_signed_certificate domain={} dir={} message=\"No certificate was found in {}, so "
                    + "HTTPS serves a self-signed certificate for {} and *.{}; put name.crt and name.key files there "
                    + "or turn on --https-ondemand-certificate.\"", domain, dir, dir, domain, domain);
        }
        return selfSigned;
    }

    /** file name → "size|modified" for the .crt and .key files directly in the directory. */
    private Map<String, String> listing() {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                String n = f.getFileName().toString();
                if (!n.endsWith(".crt") && !n.endsWith(".key")) {
                    return;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.put(n, a.size() + "|" + a.lastModifiedTime().toInstant());
                    }
                } catch (IOException e) {
                    // vanished between list and stat: the next poll sees the settled state
                }
            });
        } catch (IOException e) {
            log.warn("event=certificate_dir_unreadable dir={} error=\"{}\"", dir, e.getMessage());
        }
        return out;
    }

    /** The context for an SNI name; null (no SNI) gets the fallback. */
    public SslContext select(String host) {
        Snapshot s = current.get();
        return host == null ? s.fallback.context() : s.mapping.map(host);
    }

    /** True when a loaded certificate (not the fallback) is valid for {@code host}. */
    public boolean covers(String host) {
        Objects.requireNonNull(host);
        return CertificatePair.covers(current.get().hosts, host);
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        if (poll != null) {
            poll.cancel(false);
        }
    }
}
