package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.TunnelRegistryTest.Owner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two nodes' registries over one store: the ownership rules hold across nodes, and a route leaves with its tunnel. */
class SharedStoreRegistryTest {

    static final ForwardOwnership STRICT = TunnelRegistryTest.STRICT;

    LocalRouteStore store;
    TunnelRegistry a;
    TunnelRegistry b;

    /** An owner that records what the registry closed, as ClientConnection would (then removing the tunnel). */
    static final class ClosingOwner extends Owner {
        final List<String> closed = new ArrayList<>();
        TunnelRegistry registry;

        ClosingOwner(String fp) {
            super(fp);
        }

        @Override
        public void closeTunnel(Tunnel t, String why) {
            closed.add(t.host() + ": " + why);
            registry.remove(t);
        }
    }

    @BeforeEach
    void twoNodes() {
        store = new LocalRouteStore();
        store.join("a", "10.0.0.1:7400", Duration.ofSeconds(30));
        store.join("b", "10.0.0.2:7400", Duration.ofSeconds(30));
        a = new TunnelRegistry(store, "a", Runnable::run, Duration.ofSeconds(1));
        b = new TunnelRegistry(store, "b", Runnable::run, Duration.ofSeconds(1));
    }

    @Test
    void anotherKeyOnAnotherNodeIsRefusedTheName() {
        assertThat(a.claim(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k1")), STRICT).verdict())
                .isEqualTo(ForwardOwnership.Verdict.CLAIM);
        ForwardOwnership.Decision d = b.claim(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k2")), STRICT);
        assertThat(d.verdict()).isEqualTo(ForwardOwnership.Verdict.REFUSE);
        assertThat(d.reason()).isEqualTo(ForwardOwnership.IN_USE);
        assertThat(b.size()).isZero();
        assertThat(b.claimFree(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k2")), STRICT)).isFalse();
    }

    @Test
    void theSameKeyTakesItOverOnAnotherNodeAndTheOldNodeClosesItsTunnel() {
        ClosingOwner old = new ClosingOwner("SHA256:k1");
        old.registry = a;
        Tunnel first = TunnelRegistryTest.tunnel("app.example", old);
        a.claim(first, STRICT);
        assertThat(b.claim(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k1")), STRICT).verdict())
                .isEqualTo(ForwardOwnership.Verdict.CLAIM);
        String key = TunnelRegistry.key(Tunnel.TunnelType.HTTP, "app.example");
        assertThat(store.lookup(List.of(key)).toCompletableFuture().join().orElseThrow().holder().node()).isEqualTo("b");
        // what the old node's reconciliation does when it finds the route held elsewhere
        assertThat(a.routeLost(key, "taken over on another node")).isEqualTo(1);
        assertThat(old.closed).containsExactly("app.example: taken over on another node");
        assertThat(a.size()).isZero();
        assertThat(a.heldRoutes()).isEmpty();
        assertThat(store.lookup(List.of(key)).toCompletableFuture().join().orElseThrow().holder().node())
                .as("the old node's release does not free the new holder's route").isEqualTo("b");
    }

    @Test
    void theLastTunnelLeavingFreesTheRouteForOtherKeysElsewhere() {
        Tunnel t = TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k1"));
        a.claim(t, STRICT);
        assertThat(a.heldRoutes()).containsKey("http|app.example");
        assertThat(a.remove(t)).isTrue();
        assertThat(a.heldRoutes()).isEmpty();
        assertThat(b.claim(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k2")), STRICT).verdict())
                .isEqualTo(ForwardOwnership.Verdict.CLAIM);
    }

    @Test
    void aFencedNodeRefusesTheForwardWithASentence() {
        store.leave("a"); // fenced: the lease is gone
        ForwardOwnership.Decision d = a.claim(TunnelRegistryTest.tunnel("app.example", new Owner("SHA256:k1")), STRICT);
        assertThat(d.verdict()).isEqualTo(ForwardOwnership.Verdict.REFUSE);
        assertThat(d.reason()).isEqualTo(TunnelRegistry.NODE_FENCED);
        assertThat(a.size()).isZero();
    }
}
