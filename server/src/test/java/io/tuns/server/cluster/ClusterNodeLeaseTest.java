package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.tunnel.ForwardingRouteStore;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ClusterNode#leaseLive}: true while renewals are granted, false once one TTL passed without one. */
class ClusterNodeLeaseTest {

    static final Duration TTL = Duration.ofMillis(400);
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void liveWhileRenewedAndLapsedOnceTheStoreStopsAnswering() throws Exception {
        Silenceable store = new Silenceable(new LocalRouteStore());
        ClusterNode node = new ClusterNode(store, new TunnelRegistry(), new ClusterNode.Settings("n", TTL),
                Runnable::run, ClusterEvents.NONE);
        assertThat(node.leaseLive()).as("before joining").isFalse();
        assertThat(node.notReady()).as("before joining").contains("not reached its cluster store");
        node.start("127.0.0.1:1", scheduler, Duration.ofSeconds(1));
        assertThat(node.leaseLive()).isTrue();
        assertThat(node.notReady()).isNull();
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(node::leaseLive);
        store.silent.set(true); // a frozen network: renewals time out (a fake: Redis cannot hang on cue)
        await().atMost(Duration.ofSeconds(2)).until(() -> !node.leaseLive());
        assertThat(node.notReady()).as("a store gone after the join: still serving (every node would fail at once)")
                .isNull();
        store.silent.set(false);
        await().atMost(Duration.ofSeconds(2)).until(node::leaseLive);
    }

    /** A store whose renewals can be made to never answer. */
    static final class Silenceable extends ForwardingRouteStore {
        final AtomicBoolean silent = new AtomicBoolean();
        private final RouteStore store;

        Silenceable(RouteStore store) {
            this.store = store;
        }

        @Override
        public CompletionStage<Optional<String>> renew(String node, Duration ttl) {
            // as Lettuce does for a command Redis never answers: a time-out error
            return silent.get() ? new CompletableFuture<Optional<String>>().orTimeout(100, TimeUnit.MILLISECONDS)
                    : store.renew(node, ttl);
        }

        @Override
        protected RouteStore delegate() {
            return store;
        }
    }
}
