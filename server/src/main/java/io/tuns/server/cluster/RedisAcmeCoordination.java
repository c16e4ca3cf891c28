package io.tuns.server.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.tuns.server.tunnel.AcmeCoordination;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@link AcmeCoordination} in the cluster store, on the route store's connection: {@code tuns:acme:t:<token>} holds
 * a key authorization and {@code tuns:acme:l:<host>} the holder of a host's order lock ({@code SET NX PX}); both
 * expire by their TTL, so nothing outlives a dead node. A lock is released only by its holder (compare-and-delete).
 */
public final class RedisAcmeCoordination implements AcmeCoordination {

    static final String TOKEN_PREFIX = "tuns:acme:t:";
    static final String LOCK_PREFIX = "tuns:acme:l:";

    /** KEYS: lock. ARGV: holder. Deletes the lock only while the holder still has it; returns 1 when deleted. */
    static final String UNLOCK = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final RedisRouteStore store;

    public RedisAcmeCoordination(RedisRouteStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Void> publish(String token, String keyAuthorization, Duration ttl) {
        return store.call(redis -> redis.set(TOKEN_PREFIX + token, keyAuthorization, SetArgs.Builder.px(ms(ttl)))
                .thenApply(ok -> null));
    }

    @Override
    public CompletionStage<Optional<String>> lookup(String token) {
        return store.call(redis -> redis.get(TOKEN_PREFIX + token).thenApply(Optional::ofNullable));
    }

    @Override
    public CompletionStage<Boolean> tryLock(String host, String holder, Duration ttl) {
        return store.call(redis -> redis.set(LOCK_PREFIX + host, holder, SetArgs.Builder.nx().px(ms(ttl)))
                .thenApply("OK"::equals));
    }

    @Override
    public CompletionStage<Boolean> unlock(String host, String holder) {
        return store.call(redis -> redis.<Long>eval(UNLOCK, ScriptOutputType.INTEGER,
                new String[] {LOCK_PREFIX + host}, holder).thenApply(n -> n == 1L));
    }

    private static long ms(Duration ttl) {
        return Math.max(1, ttl.toMillis()); // PX 0 is an error; every key here has a TTL
    }
}
