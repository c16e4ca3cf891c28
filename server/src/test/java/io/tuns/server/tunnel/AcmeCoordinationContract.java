package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link AcmeCoordination} keeps (in memory, Redis): answers published are found until their TTL,
 * a host's lock has one holder at a time, only the holder releases it, and a lock lapses by its TTL.
 */
public abstract class AcmeCoordinationContract {

    protected static final Duration LONG = Duration.ofSeconds(30);
    protected static final Duration SHORT = Duration.ofMillis(300);

    protected AcmeCoordination acme;

    /** A fresh, empty coordination. */
    protected abstract AcmeCoordination newCoordination();

    @BeforeEach
    void fresh() {
        acme = newCoordination();
    }

    private <T> T join(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    @Test
    void aPublishedAnswerIsFoundAndAnUnknownTokenIsNot() {
        join(acme.publish("tok-1", "tok-1.thumb", LONG));
        assertThat(join(acme.lookup("tok-1"))).contains("tok-1.thumb");
        assertThat(join(acme.lookup("tok-2"))).isEmpty();
    }

    @Test
    void anAnswerExpiresWithItsTtl() {
        join(acme.publish("tok-short", "tok-short.thumb", SHORT));
        join(acme.publish("tok-long", "tok-long.thumb", LONG));
        assertThat(join(acme.lookup("tok-short"))).isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> join(acme.lookup("tok-short")), Optional::isEmpty);
        assertThat(join(acme.lookup("tok-long"))).contains("tok-long.thumb");
    }

    @Test
    void aLockHasOneHolderAtATime() {
        assertThat(join(acme.tryLock("a.example.com", "node-a", LONG))).isTrue();
        assertThat(join(acme.tryLock("a.example.com", "node-b", LONG))).isFalse();
        assertThat(join(acme.tryLock("a.example.com", "node-a", LONG))).as("not re-entrant").isFalse();
        assertThat(join(acme.tryLock("b.example.com", "node-b", LONG))).as("another host").isTrue();
    }

    @Test
    void onlyTheHolderUnlocks() {
        assertThat(join(acme.tryLock("a.example.com", "node-a", LONG))).isTrue();
        assertThat(join(acme.unlock("a.example.com", "node-b"))).isFalse();
        assertThat(join(acme.tryLock("a.example.com", "node-b", LONG))).as("still node-a's").isFalse();
        assertThat(join(acme.unlock("a.example.com", "node-a"))).isTrue();
        assertThat(join(acme.unlock("a.example.com", "node-a"))).as("already released").isFalse();
        assertThat(join(acme.tryLock("a.example.com", "node-b", LONG))).isTrue();
    }

    @Test
    void aLockLapsesWithItsTtlAndTheLapsedHolderCannotUnlockTheNextOne() {
        assertThat(join(acme.tryLock("a.example.com", "node-a", SHORT))).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> join(acme.tryLock("a.example.com", "node-b", LONG)));
        assertThat(join(acme.unlock("a.example.com", "node-a"))).isFalse();
        assertThat(join(acme.tryLock("a.example.com", "node-a", LONG))).isFalse();
    }
}
