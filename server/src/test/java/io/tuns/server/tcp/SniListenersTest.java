package io.tuns.server.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.tuns.server.access.IpFilter;
import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.TunnelRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SNI listeners on a cluster node, with real sockets and the in-memory route store: a port a local forward uses is
 * marked in the store for other nodes; a mirrored port (another node's forward) is shared with local forwards and
 * its listener closes only when neither needs it; every exit leaves no listener and no mark behind.
 */
class SniListenersTest {

    private EventLoopGroup group;
    private LocalRouteStore store;
    private SniListeners listeners;
    private int port;

    @BeforeEach
    void start() throws IOException {
        group = new NioEventLoopGroup(1);
        store = new LocalRouteStore();
        store.join("self", "", Duration.ZERO);
        TunnelRegistry registry = new TunnelRegistry(store, "self", Runnable::run, Duration.ofSeconds(1));
        ClusterHop hop = new ClusterHop(store, "self", Duration.ofSeconds(1), ClusterEvents.NONE);
        listeners = new SniListeners(ConfigLoader.fromArgs("--tcp-address=127.0.0.1"), IpFilter.of(List.of(), List.of()),
                registry, group, group, MemoryBudget.off(), hop);
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private boolean marked() {
        return store.lookup(List.of("sni-port|self:" + port)).toCompletableFuture().join().isPresent();
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aLocalForwardsPortIsMarkedAndStaysOpenForTheMirrorAfterTheForwardLeaves() throws Exception {
        assertThat(listeners.acquire("127.0.0.1", port)).isEqualTo(port);
        assertThat(marked()).as("other nodes learn the port from the store").isTrue();
        assertThat(listeners.mirror(port)).as("the mirror shares the forward's listener").isTrue();
        listeners.release("127.0.0.1", port);
        assertThat(marked()).as("no local forward on it any more").isFalse();
        assertThat(listening()).as("another node's forward still uses the port").isTrue();
        listeners.unmirror(port);
        await().atMost(Duration.ofSeconds(5)).until(() -> !listening());
        assertThat(listeners.holds(port)).isFalse();
    }

    @Test
    void aForwardAskingForAMirroredPortSharesItsListenerAndKeepsItAfterTheMirrorGoes() throws Exception {
        assertThat(listeners.mirror(port)).isTrue();
        assertThat(listening()).isTrue();
        assertThat(marked()).as("a mirror is not this node's forward: no mark").isFalse();
        assertThat(listeners.holds(port)).as("a TCP forward asking for it is told it is taken").isTrue();
        assertThat(listeners.acquire("127.0.0.1", port)).as("no second bind").isEqualTo(port);
        assertThat(marked()).isTrue();
        listeners.unmirror(port);
        assertThat(listening()).as("the local forward still uses it").isTrue();
        listeners.release("127.0.0.1", port);
        await().atMost(Duration.ofSeconds(5)).until(() -> !listening());
        assertThat(marked()).isFalse();
        listeners.unmirror(port); // a second unmirror, and a release of nothing: no effect
        listeners.release("127.0.0.1", port);
        assertThat(listeners.holds(port)).isFalse();
    }

    @Test
    void aPortTakenByAnotherProcessIsNotMirrored() throws Exception {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress("127.0.0.1", port));
            assertThat(listeners.mirror(port)).isFalse();
            assertThat(listeners.holds(port)).isFalse();
        }
        listeners.unmirror(port); // nothing to undo
        assertThat(listeners.holds(port)).isFalse();
    }

    @Test
    void aSingleNodeMarksNothing() throws Exception {
        SniListeners single = new SniListeners(ConfigLoader.fromArgs("--tcp-address=127.0.0.1"),
                IpFilter.of(List.of(), List.of()), new TunnelRegistry(store, "self", Runnable::run, Duration.ofSeconds(1)),
                group, group, MemoryBudget.off());
        single.acquire("127.0.0.1", port);
        assertThat(marked()).isFalse();
        single.release("127.0.0.1", port);
        await().atMost(Duration.ofSeconds(5)).until(() -> !listening());
    }
}
