package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.RouteStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis store keeps the same contract as the in-memory one, against a real redis-server; and fails clearly. */
@Timeout(60)
class RedisRouteStoreTest extends RouteStoreContract {

    static RedisServer redis;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        redis.close();
    }

    @Override
    protected RouteStore newStore() {
        wipe();
        return RedisRouteStore.connect(redis.uri(), Duration.ofSeconds(2));
    }

    @Override
    protected void wipe() {
        try {
            assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void aRedisThatIsNotThereAtStartUpFailsCallsAtOnceUntilItComes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (RedisRouteStore late = RedisRouteStore.connect("redis://127.0.0.1:" + port, Duration.ofSeconds(1))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> late.lookup(List.of("http|app.x")).toCompletableFuture().join())
                    .hasCauseInstanceOf(RedisRouteStore.StoreUnreachable.class)
                    .hasMessageContaining("not connected to the cluster store at 127.0.0.1:" + port);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("at once, not after a timeout")
                    .isLessThan(Duration.ofMillis(500));
            try (RedisServer started = RedisServer.startAt(port)) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                        late.join("a", "10.0.0.1:7400", LONG).toCompletableFuture().join() != null);
                assertThat(late.claim("http|app.x", A_K1, false).toCompletableFuture().join().outcome())
                        .isEqualTo(io.tuns.server.tunnel.RouteClaim.Outcome.CLAIMED);
            }
        }
    }

    @Test
    void aPasswordNeverShowsInTheUnreachableMessage() {
        try (RedisRouteStore late = RedisRouteStore.connect("redis://:s3cret@127.0.0.1:1", Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> late.lookup(List.of("http|app.x")).toCompletableFuture().join())
                    .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain("s3cret"));
        }
    }

    @Test
    void callsFailFastWhileRedisIsDownAndWorkAgainAfter() throws Exception {
        claim("http|app.x", A_K1, true);
        redis.stop();
        try {
            assertThatThrownBy(() -> store.lookup(List.of("http|app.x")).toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class);
        } finally {
            redis.restartEmpty();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                store.join("a", "10.0.0.1:7400", LONG).toCompletableFuture().join() != null);
        assertThat(claim("http|app.x", new RouteHolder("a", "SHA256:k1"), false).outcome())
                .as("the re-assert after Redis came back empty").isEqualTo(io.tuns.server.tunnel.RouteClaim.Outcome.CLAIMED);
    }
}
