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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The Redis store keeps the same contract as the in-memory one, against a real redis-server; and fails clearly. */
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one server per class, from an overridable binary
class RedisRouteStoreTest extends RouteStoreContract {

    RedisServer redis;

    /** The server every case runs on ({@link ValkeyRouteStoreTest} runs them on Valkey). */
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
            try (RedisServer started = RedisServer.startAt(port, redis.binary())) {
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

    // --- the route change feed, read by "node a" on a store of its own, written by claims through this one

    /** What a feed listener was told, in order (a test holds a few hundred at most). */
    static final class Told implements RouteFeed.Listener {
        final List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger missed = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger appeared = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void appeared(String route, io.tuns.server.tunnel.RouteLocation at) {
            if (appeared.incrementAndGet() <= 100) {
                said.add("appeared " + route + " " + at.holder().node() + "/" + at.holder().owner() + "@" + at.address());
            }
        }

        @Override
        public void gone(String route, RouteHolder was) {
            said.add("gone " + route + " " + was.node() + "/" + was.owner());
        }

        @Override
        public void missed() {
            missed.incrementAndGet();
        }
    }

    private RedisRouteStore reader;

    @AfterEach
    void closeReader() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    private RouteFeed feed(Told told) {
        reader = RedisRouteStore.connect(redis.uri(), Duration.ofSeconds(2));
        RouteFeed feed = reader.feed(ClusterEvents.NONE);
        feed.subscribe(told);
        return feed;
    }

    @Test
    void aClaimByAnotherNodeIsToldToTheFeedsListenersWithItsAddress() {
        Told told = new Told();
        RouteFeed feed = feed(told);
        feed.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(feed::connected);
        claim("http|app.x", B_K1, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !told.said.isEmpty());
        assertThat(told.said).containsExactly("appeared http|app.x b/SHA256:k1@10.0.0.2:7400");
        assertThat(told.missed).hasValue(0);
    }

    @Test
    void takeOversAndReleasesAreToldInTheStoresOrderAndRefusalsAreNot() {
        Told told = new Told();
        RouteFeed feed = feed(told);
        feed.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(feed::connected);
        claim("http|app.x", A_K1, false);
        claim("http|app.x", B_K2, true);            // another key: refused, nothing changed, nothing told
        claim("http|app.x", A_K1, false);            // held: nothing told
        claim("http|app.x", B_K1, true);             // the same key on node b: taken over
        release("http|app.x", A_K1);                 // no longer a's: nothing told
        release("http|app.x", B_K1);
        claim("http|other.x", B_K2, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> told.said.size() >= 4);
        assertThat(told.said).containsExactly(
                "appeared http|app.x a/SHA256:k1@10.0.0.1:7400",
                "appeared http|app.x b/SHA256:k1@10.0.0.2:7400",
                "gone http|app.x b/SHA256:k1",
                "appeared http|other.x b/SHA256:k2@10.0.0.2:7400");
        assertThat(told.missed).hasValue(0);
    }

    @Test
    void aReaderThatFellBehindTheTrimIsToldItMissedEntries() {
        int changes = RedisScripts.FEED_MAXLEN + 2_000;
        for (int from = 0; from < changes; from += 1_000) { // in batches: the connection queues 10 000 at most
            List<java.util.concurrent.CompletableFuture<?>> sent = new java.util.ArrayList<>();
            for (int i = from; i < from + 1_000; i++) {
                sent.add(store.claim("http|n" + i + ".x", A_K1, false).toCompletableFuture());
            }
            sent.forEach(java.util.concurrent.CompletableFuture::join);
        }
        Told told = new Told();
        RouteFeed feed = feed(told);
        feed.startFrom(new FeedCursor("0-0", 0)); // it had read nothing when the first entries were trimmed
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> told.missed.get() == 1);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> told.appeared.get() >= RedisScripts.FEED_MAXLEN);
        assertThat(told.appeared.get()).as("only what the trim left").isLessThan(changes);
        assertThat(told.missed).as("one gap, told once").hasValue(1);
    }

    @Test
    void aRedisRestartedEmptyIsAGapTooAndTheFeedReadsOnAfterIt() throws Exception {
        Told told = new Told();
        RouteFeed feed = feed(told);
        claim("http|app.x", A_K1, false);
        feed.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(feed::connected);
        claim("http|app.y", A_K1, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> told.said.size() == 1);
        redis.restartEmpty();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
                store.join("b", "10.0.0.2:7400", LONG).toCompletableFuture().join() != null);
        claim("http|app.z", B_K1, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> told.said.size() == 2);
        assertThat(told.said).containsExactly("appeared http|app.y a/SHA256:k1@10.0.0.1:7400",
                "appeared http|app.z b/SHA256:k1@10.0.0.2:7400");
        assertThat(told.missed).hasValue(1);
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheOthers() {
        Told told = new Told();
        RouteFeed feed = feed(told);
        feed.subscribe(new RouteFeed.Listener() {
            @Override
            public void appeared(String route, io.tuns.server.tunnel.RouteLocation at) {
                throw new IllegalStateException("a faulty subscriber");
            }

            @Override
            public void gone(String route, RouteHolder was) {
                throw new IllegalStateException("a faulty subscriber");
            }
        });
        feed.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(feed::connected);
        claim("http|app.x", B_K1, false);
        release("http|app.x", B_K1);
        claim("http|app.y", B_K1, false);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> told.said.size() == 3);
    }
}
