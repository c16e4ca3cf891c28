package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterNode;
import io.tuns.server.cluster.RouteFeed;
import io.tuns.server.tunnel.SharedStoreRegistryTest.ClosingOwner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What node a does with a feed entry about one of its routes: a real move closes its tunnels; an entry older than
 * the store's state, or than a claim a made since, closes nothing. (In the tunnel package for the registry's test
 * owners; the node is driven through its public feed listener.)
 */
class ClusterNodeFeedTest {

    static final String KEY = TunnelRegistry.key(Tunnel.TunnelType.HTTP, "app.example");
    static final RouteLocation AT_B = new RouteLocation(KEY, new RouteHolder("b", "SHA256:k1"), "10.0.0.2:7400");

    LocalRouteStore store;
    /** Look-ups held back until the test lets them answer (a fake: a real store cannot be paused on cue). */
    final HeldLookups held = new HeldLookups();
    TunnelRegistry a;
    TunnelRegistry b;
    RouteFeed.Listener feedOfA;
    ClosingOwner old;

    @BeforeEach
    void twoNodes() {
        store = new LocalRouteStore();
        store.join("a", "10.0.0.1:7400", Duration.ofSeconds(30));
        store.join("b", "10.0.0.2:7400", Duration.ofSeconds(30));
        held.store = store;
        a = new TunnelRegistry(store, "a", Runnable::run, Duration.ofSeconds(1));
        b = new TunnelRegistry(store, "b", Runnable::run, Duration.ofSeconds(1));
        feedOfA = new ClusterNode(held, a, new ClusterNode.Settings("a", Duration.ofSeconds(10)), Runnable::run,
                ClusterEvents.NONE, () -> true).feedListener();
        old = new ClosingOwner("SHA256:k1");
        old.registry = a;
        a.claim(TunnelRegistryTest.tunnel("app.example", old), TunnelRegistryTest.STRICT);
    }

    @Test
    void aTakeOverOnAnotherNodeClosesTheTunnelHere() {
        b.claim(TunnelRegistryTest.tunnel("app.example", new TunnelRegistryTest.Owner("SHA256:k1")),
                TunnelRegistryTest.STRICT);
        feedOfA.appeared(KEY, AT_B);
        held.answerAll();
        assertThat(old.closed).containsExactly("app.example: taken over on another node of the cluster");
        assertThat(a.heldRoutes()).isEmpty();
    }

    @Test
    void anEntryTheStoreNoLongerAgreesWithClosesNothing() {
        feedOfA.appeared(KEY, AT_B); // e.g. b held it for a moment, then a took it back
        held.answerAll();
        assertThat(old.closed).isEmpty();
        assertThat(a.heldRoutes()).containsKey(KEY);
    }

    @Test
    void aClaimHereWhileTheLookUpWasOnItsWayWins() {
        b.claim(TunnelRegistryTest.tunnel("app.example", new TunnelRegistryTest.Owner("SHA256:k1")),
                TunnelRegistryTest.STRICT);
        feedOfA.appeared(KEY, AT_B);          // the look-up leaves now...
        a.routeLost(KEY, "gone");             // ...meanwhile the old tunnel left and the user came back here
        old.closed.clear();
        ClosingOwner again = new ClosingOwner("SHA256:k1");
        again.registry = a;
        a.claim(TunnelRegistryTest.tunnel("app.example", again), TunnelRegistryTest.STRICT);
        held.answerAll();                     // ...and answers what the store said before that claim: b
        assertThat(again.closed).as("the newer claim stays").isEmpty();
        assertThat(a.heldRoutes()).containsKey(KEY);
    }

    @Test
    void aReleaseOrAnotherRouteClosesNothing() {
        feedOfA.gone(KEY, new RouteHolder("b", "SHA256:k1"));
        feedOfA.appeared("http|other.example", new RouteLocation("http|other.example",
                new RouteHolder("b", "SHA256:k2"), "10.0.0.2:7400"));
        held.answerAll();
        assertThat(held.asked).as("nothing to confirm").isZero();
        assertThat(old.closed).isEmpty();
    }

    /** The store, with look-ups that answer only when told (as of the moment each was asked). */
    static final class HeldLookups extends ForwardingRouteStore {
        LocalRouteStore store;
        int asked;
        private final List<Runnable> waiting = new java.util.ArrayList<>();

        void answerAll() {
            List<Runnable> now = List.copyOf(waiting);
            waiting.clear();
            now.forEach(Runnable::run);
        }

        @Override
        public CompletionStage<Optional<RouteLocation>> lookup(List<String> routes) {
            asked++;
            Optional<RouteLocation> answer = store.lookup(routes).toCompletableFuture().join();
            CompletableFuture<Optional<RouteLocation>> later = new CompletableFuture<>();
            waiting.add(() -> later.complete(answer));
            return later;
        }

        @Override
        protected RouteStore delegate() {
            return store;
        }
    }
}
