package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.tunnel.RouteClaim.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link RouteStore} keeps, run against each implementation (in memory, Redis): claims, take-over
 * by the same key, refusal of another key, lapsed leases, releases by the wrong holder, leave, generation.
 */
public abstract class RouteStoreContract {

    protected static final Duration LONG = Duration.ofSeconds(30);
    protected static final RouteHolder A_K1 = new RouteHolder("a", "SHA256:k1");
    protected static final RouteHolder B_K1 = new RouteHolder("b", "SHA256:k1");
    protected static final RouteHolder B_K2 = new RouteHolder("b", "SHA256:k2");

    protected RouteStore store;

    /** A fresh, empty store (the same one until the next test). */
    protected abstract RouteStore newStore();

    /** Empties the store behind its clients' backs, as a Redis restart without persistence does. */
    protected abstract void wipe();

    @BeforeEach
    void freshStore() {
        store = newStore();
        join("a", "10.0.0.1:7400", LONG);
        join("b", "10.0.0.2:7400", LONG);
    }

    String join(String node, String address, Duration ttl) {
        return store.join(node, address, ttl).toCompletableFuture().join();
    }

    protected RouteClaim claim(String route, RouteHolder h, boolean takeOver) {
        return store.claim(route, h, takeOver).toCompletableFuture().join();
    }

    Optional<RouteLocation> lookup(String... routes) {
        return store.lookup(List.of(routes)).toCompletableFuture().join();
    }

    protected boolean release(String route, RouteHolder h) {
        return store.release(route, h).toCompletableFuture().join();
    }

    Optional<String> renew(String node, Duration ttl) {
        return store.renew(node, ttl).toCompletableFuture().join();
    }

    @Test
    void aFreeRouteIsClaimedAndAReAssertIsHeld() {
        assertThat(claim("http|app.x", A_K1, true).outcome()).isEqualTo(Outcome.CLAIMED);
        assertThat(claim("http|app.x", A_K1, false).outcome()).isEqualTo(Outcome.HELD);
        assertThat(lookup("http|app.x")).contains(new RouteLocation("http|app.x", A_K1, "10.0.0.1:7400"));
    }

    @Test
    void anotherKeyIsRefusedAndTheHolderStays() {
        claim("http|app.x", A_K1, true);
        RouteClaim c = claim("http|app.x", B_K2, true);
        assertThat(c.outcome()).isEqualTo(Outcome.TAKEN);
        assertThat(c.previous()).isEqualTo(A_K1);
        assertThat(lookup("http|app.x").map(RouteLocation::holder)).contains(A_K1);
    }

    @Test
    void theSameKeyOnAnotherNodeTakesOverAtOnceButNeverWithoutTakeOver() {
        claim("http|app.x", A_K1, true);
        assertThat(claim("http|app.x", B_K1, false).outcome()).as("a re-assert never displaces").isEqualTo(Outcome.TAKEN);
        RouteClaim c = claim("http|app.x", B_K1, true);
        assertThat(c.outcome()).isEqualTo(Outcome.TAKEN_OVER);
        assertThat(c.previous()).isEqualTo(A_K1);
        assertThat(lookup("http|app.x")).contains(new RouteLocation("http|app.x", B_K1, "10.0.0.2:7400"));
        assertThat(claim("http|app.x", A_K1, false).outcome()).as("the old node's re-assert fails")
                .isEqualTo(Outcome.TAKEN);
    }

    @Test
    void aLapsedLeaseFreesItsRoutesAndFencesItsNode() {
        join("c", "10.0.0.3:7400", Duration.ofMillis(400));
        RouteHolder c1 = new RouteHolder("c", "SHA256:k3");
        assertThat(claim("tcp|x:40001", c1, true).outcome()).isEqualTo(Outcome.CLAIMED);
        assertThat(renew("c", Duration.ofMillis(400))).as("a live lease renews").isPresent();
        await().atMost(Duration.ofSeconds(5)).until(() -> lookup("tcp|x:40001").isEmpty());
        assertThat(renew("c", Duration.ofMillis(400))).as("a lapsed lease does not").isEmpty();
        assertThat(claim("tcp|x:40002", c1, true).outcome()).isEqualTo(Outcome.FENCED);
        RouteClaim other = claim("tcp|x:40001", B_K2, false);
        assertThat(other.outcome()).isEqualTo(Outcome.CLAIMED);
        assertThat(other.previous()).isEqualTo(c1);
        join("c", "10.0.0.3:7400", LONG);
        assertThat(claim("tcp|x:40001", c1, false).outcome()).as("back from a freeze: the route moved")
                .isEqualTo(Outcome.TAKEN);
    }

    @Test
    void renewingKeepsALeaseAlivePastItsTtl() {
        // 2.5 TTLs of renewals 200 ms apart: a stall under 1 s (a loaded CI machine) is not a lapse
        join("c", "10.0.0.3:7400", Duration.ofMillis(1200));
        claim("alias|db:5432", new RouteHolder("c", "SHA256:k3"), true);
        long end = System.nanoTime() + Duration.ofMillis(3000).toNanos();
        while (System.nanoTime() < end) {
            assertThat(renew("c", Duration.ofMillis(1200))).isPresent();
            assertThat(lookup("alias|db:5432")).isPresent();
            sleep(200);
        }
    }

    @Test
    void onlyTheHolderReleases() {
        claim("http|app.x", A_K1, true);
        assertThat(release("http|app.x", B_K1)).as("same key, other node").isFalse();
        assertThat(release("http|app.x", new RouteHolder("a", "SHA256:k2"))).as("same node, other key").isFalse();
        assertThat(lookup("http|app.x")).isPresent();
        assertThat(release("http|app.x", A_K1)).isTrue();
        assertThat(lookup("http|app.x")).isEmpty();
        assertThat(claim("http|app.x", B_K2, false).outcome()).isEqualTo(Outcome.CLAIMED);
    }

    @Test
    void leavingFreesEveryRouteAtOnce() {
        claim("http|app.x", A_K1, true);
        store.leave("a").toCompletableFuture().join();
        assertThat(lookup("http|app.x")).isEmpty();
        assertThat(claim("http|app.x", B_K2, false).outcome()).isEqualTo(Outcome.CLAIMED);
    }

    @Test
    void lookupGivesTheFirstLiveRouteInOrder() {
        claim("http|app.x", A_K1, true);
        claim("http|app.x/api", B_K2, true);
        assertThat(lookup("http|app.x/api/v1", "http|app.x/api", "http|app.x").map(RouteLocation::route))
                .contains("http|app.x/api");
        assertThat(lookup("http|nothing", "http|app.x").map(RouteLocation::holder)).contains(A_K1);
        assertThat(lookup("http|nothing")).isEmpty();
    }

    @Test
    void routesOfAKindListOnlyLiveHoldersUpToTheBound() {
        join("c", "10.0.0.3:7400", Duration.ofMillis(300));
        claim("tcp|x:40001", A_K1, true);
        claim("tcp|x:40002", B_K2, true);
        claim("tcp|x:40003", new RouteHolder("c", "SHA256:k3"), true);
        claim("http|tcp.x", A_K1, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> !routesOfKind("tcp", 10).containsKey("tcp|x:40003"));
        assertThat(routesOfKind("tcp", 10)).as("c's lease lapsed; an HTTP route is another kind")
                .isEqualTo(java.util.Map.of("tcp|x:40001", "a", "tcp|x:40002", "b"));
        assertThat(routesOfKind("tcp", 1)).hasSize(1);
        assertThat(routesOfKind("alias", 10)).isEmpty();
    }

    java.util.Map<String, String> routesOfKind(String kind, int max) {
        return store.routesOfKind(kind, max).toCompletableFuture().join();
    }

    @Test
    void theGenerationChangesOnlyWhenTheStoreLostItsData() {
        String gen = join("a", "10.0.0.1:7400", LONG);
        assertThat(renew("a", LONG)).contains(gen);
        assertThat(join("a", "10.0.0.1:7400", LONG)).as("a re-join keeps it").isEqualTo(gen);
        claim("http|app.x", A_K1, true);
        wipe();
        assertThat(renew("a", LONG)).as("the lease went with the data").isEmpty();
        String next = join("a", "10.0.0.1:7400", LONG);
        assertThat(next).isNotEqualTo(gen);
        assertThat(lookup("http|app.x")).isEmpty();
        assertThat(claim("http|app.x", A_K1, false).outcome()).as("the re-assert").isEqualTo(Outcome.CLAIMED);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
