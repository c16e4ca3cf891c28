package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.AcmeCoordinationContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The Redis coordination keeps the same contract, against a real redis-server, with a TTL on every key. */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one server per class, from an overridable binary
class RedisAcmeCoordinationTest extends AcmeCoordinationContract {

    RedisServer redis;
    RedisRouteStore store;

    /** The server every case runs on ({@link ValkeyAcmeCoordinationTest} runs them on Valkey). */
    String serverBinary() {
        return RedisServer.defaultBinary();
    }

    @BeforeAll
    void startRedis() throws IOException {
        redis = RedisServer.start(serverBinary());
    }

    @AfterAll
    void stopRedis() throws InterruptedException {
        redis.close();
    }

    @Override
    protected AcmeCoordination newCoordination() {
        try {
            assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store = RedisRouteStore.connect(redis.uri(), Duration.ofSeconds(2));
        return new RedisAcmeCoordination(store);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void everyKeyLivesUnderTheTunsPrefixWithATtl() throws IOException {
        acme.publish("tok-1", "tok-1.thumb", LONG).toCompletableFuture().join();
        acme.tryLock("a.example.com", "node-a", LONG).toCompletableFuture().join();
        for (String key : new String[] {"tuns:acme:t:tok-1", "tuns:acme:l:a.example.com"}) {
            String pttl = redis.command("PTTL " + key);
            assertThat(pttl).startsWith(":");
            assertThat(Long.parseLong(pttl.substring(1))).as(key).isBetween(1L, LONG.toMillis());
        }
    }
}
