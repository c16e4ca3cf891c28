package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.LocalAcmeCoordination;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One order per host across nodes: a node whose lock attempt fails places no order. "Placed an order" is seen in
 * the directory: the ACME account key is written on the way to the CA (here an address nothing listens on, so the
 * attempt then fails), and only then.
 */
@Timeout(30)
class AcmeIssuerLockTest {

    @TempDir
    Path tmp;

    /** The in-memory coordination, counting lock attempts. */
    static final class Counting implements AcmeCoordination {
        final LocalAcmeCoordination inner = new LocalAcmeCoordination(Clock.systemUTC());
        final AtomicInteger lockAttempts = new AtomicInteger();

        @Override
        public CompletionStage<Void> publish(String token, String keyAuthorization, Duration ttl) {
            return inner.publish(token, keyAuthorization, ttl);
        }

        @Override
        public CompletionStage<Optional<String>> lookup(String token) {
            return inner.lookup(token);
        }

        @Override
        public CompletionStage<Boolean> tryLock(String host, String holder, Duration ttl) {
            lockAttempts.incrementAndGet();
            return inner.tryLock(host, holder, ttl);
        }

        @Override
        public CompletionStage<Boolean> unlock(String host, String holder) {
            return inner.unlock(host, holder);
        }
    }

    private AcmeIssuer issuer(Path dir, AcmeCoordination shared) {
        return new AcmeIssuer(new AcmeSettings(URI.create("https://127.0.0.1:1/dir"), null),
                new CertificateStore(dir, "example.com", CertificateEvents.NONE), h -> true, "", Clock.systemUTC(),
                Duration.ofDays(30), shared, "b");
    }

    @Test
    void aNodeThatDoesNotGetTheHostsLockOrdersNothingAndLeavesTheLockAlone() throws Exception {
        Counting shared = new Counting();
        assertThat(shared.tryLock("app.example.com", "node-a", Duration.ofMinutes(1)).toCompletableFuture().join())
                .isTrue();
        shared.lockAttempts.set(0);
        Path dir = tmp.resolve("b");
        try (AcmeIssuer b = issuer(dir, shared)) {
            b.request("app.example.com");
            await().atMost(Duration.ofSeconds(10)).until(() -> shared.lockAttempts.get() == 1);
            Thread.sleep(300); // what would follow a taken lock: the account key, then the CA
            assertThat(dir.resolve("acme").resolve("account.pem")).doesNotExist();
        }
        assertThat(shared.unlock("app.example.com", "node-a").toCompletableFuture().join())
                .as("still node-a's").isTrue();
    }

    @Test
    void aNodeThatGetsTheLockGoesToTheCaAndReleasesTheLockAfter() throws Exception {
        Counting shared = new Counting();
        Path dir = tmp.resolve("a");
        try (AcmeIssuer a = issuer(dir, shared)) {
            a.request("app.example.com");
            await().atMost(Duration.ofSeconds(10)).until(() -> dir.resolve("acme").resolve("account.pem").toFile()
                    .exists());
            // the CA is not there: the attempt fails and the lock is released for another node
            await().atMost(Duration.ofSeconds(15)).until(() -> shared.tryLock("app.example.com", "node-c",
                    Duration.ofMinutes(1)).toCompletableFuture().join());
        }
    }
}
