package io.tuns.server.access;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Remembers a key callback's answer briefly, so that OpenSSH's unsigned probe and the signed request that follows
 * cost one HTTP call, not two. Bounded: the least recently used entry goes first when it is full.
 */
final class VerdictCache {

    private record Entry(boolean accepted, long expiresAtNanos) {
    }

    private final int maxEntries;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final LinkedHashMap<String, Entry> entries;

    VerdictCache(int maxEntries, Duration ttl, LongSupplier nanoTime) {
        this.maxEntries = maxEntries;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > VerdictCache.this.maxEntries;
            }
        };
    }

    /** @return the remembered answer, or null when there is none or it has expired */
    synchronized Boolean get(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (nanoTime.getAsLong() - e.expiresAtNanos >= 0) {
            entries.remove(key);
            return null;
        }
        return e.accepted;
    }

    synchronized void put(String key, boolean accepted) {
        entries.put(key, new Entry(accepted, nanoTime.getAsLong() + ttlNanos));
    }

    synchronized int size() {
        return entries.size();
    }
}
