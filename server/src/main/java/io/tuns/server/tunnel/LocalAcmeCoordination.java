package io.tuns.server.tunnel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link AcmeCoordination} in this process: a single node needs no store. Each map holds at most {@link #MAX_ENTRIES};
 * past that, expired entries are pruned, and if it is still full a publish fails and a lock is refused (issuance
 * runs a handful of names at once, so a full map means something is wrong).
 */
public final class LocalAcmeCoordination implements AcmeCoordination {

    static final int MAX_ENTRIES = 4096;

    private record Entry(String value, Instant expires) {
    }

    private final Clock clock;
    private final Map<String, Entry> answers = new ConcurrentHashMap<>();
    private final Map<String, Entry> locks = new ConcurrentHashMap<>();

    public LocalAcmeCoordination(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> publish(String token, String keyAuthorization, Duration ttl) {
        if (!roomIn(answers)) {
            return CompletableFuture.failedFuture(new IllegalStateException("too many ACME challenges at once"));
        }
        answers.put(token, new Entry(keyAuthorization, clock.instant().plus(ttl)));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<String>> lookup(String token) {
        return CompletableFuture.completedFuture(Optional.ofNullable(live(answers.get(token))).map(Entry::value));
    }

    @Override
    public CompletionStage<Boolean> tryLock(String host, String holder, Duration ttl) {
        if (!roomIn(locks)) {
            return CompletableFuture.completedFuture(false);
        }
        Entry mine = new Entry(holder, clock.instant().plus(ttl));
        Entry now = locks.compute(host, (h, e) -> live(e) == null ? mine : e);
        return CompletableFuture.completedFuture(now == mine);
    }

    @Override
    public CompletionStage<Boolean> unlock(String host, String holder) {
        boolean[] released = {false};
        locks.computeIfPresent(host, (h, e) -> {
            if (live(e) != null && e.value().equals(holder)) {
                released[0] = true;
                return null;
            }
            return live(e) == null ? null : e;
        });
        return CompletableFuture.completedFuture(released[0]);
    }

    private Entry live(Entry e) {
        return e == null || !e.expires().isAfter(clock.instant()) ? null : e;
    }

    private boolean roomIn(Map<String, Entry> map) {
        if (map.size() >= MAX_ENTRIES) {
            map.values().removeIf(e -> live(e) == null);
        }
        return map.size() < MAX_ENTRIES;
    }
}
