package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.NettyLeaks;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ForwardingRouteStore;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a cluster node's plain HTTP listener, a request no local tunnel serves waits for the store's answer with
 * reading paused and its body held: every way that wait ends (nobody holds it, this node holds it, the store
 * fails, the client leaves first) answers or releases what was held, and the connection goes on.
 */
class HttpProxyHandlerLocatingTest {

    static NettyLeaks leaks;
    final List<CompletableFuture<Optional<RouteLocation>>> lookups = new ArrayList<>();
    final EmbeddedChannel client;
    private final StringBuilder received = new StringBuilder();

    @BeforeAll
    static void watch() {
        leaks = NettyLeaks.watch();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        try {
            assertThat(leaks.reported()).isEmpty();
        } finally {
            leaks.stop();
        }
    }

    HttpProxyHandlerLocatingTest() {
        ServerConfig cfg = ConfigLoader.fromArgs("--domain=localhost", "--bind-random-subdomains=false");
        HttpContext hc = new HttpContext(cfg, new TunnelRegistry(), () -> new PublicUrls(80), null, null, null,
                HttpEvents.NONE, null, null, null, null, MemoryBudget.off(), new ClusterHop(new HeldStore(lookups),
                        "self", Duration.ofSeconds(1), ClusterEvents.NONE));
        client = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("203.0.113.7", 40000);
            }

            @Override
            protected SocketAddress localAddress0() {
                return new InetSocketAddress("127.0.0.1", 80);
            }
        };
        client.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()));
        client.pipeline().addLast(new HttpProxyHandler(hc, true));
    }

    void sends(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        client.runPendingTasks();
    }

    String received() {
        client.runPendingTasks();
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            received.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return received.toString();
    }

    void storeAnswers(Optional<RouteLocation> where) {
        lookups.get(lookups.size() - 1).complete(where);
        client.runPendingTasks();
    }

    static final String POST = "POST /x HTTP/1.1\r\nHost: far.localhost\r\nContent-Length: 5\r\n\r\nhello";

    @Test
    void nobodyHoldsItA404AfterTheLookupAndTheHeldBodyIsDropped() {
        sends(POST);
        assertThat(lookups).hasSize(1);
        assertThat(client.config().isAutoRead()).as("reading waits for the store").isFalse();
        assertThat(received()).isEmpty();
        storeAnswers(Optional.empty());
        assertThat(received()).startsWith("HTTP/1.1 404").doesNotContain("hello");
        assertThat(client.config().isAutoRead()).isTrue();
        sends("GET / HTTP/1.1\r\nHost: far.localhost\r\n\r\n");
        storeAnswers(Optional.empty());
        assertThat(received().split("HTTP/1.1 404", -1)).as("the connection goes on").hasSize(3);
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aRouteTheStoreSaysIsHereButNoLocalTunnelServesIsA404HereNeverAHop() {
        sends(POST);
        storeAnswers(Optional.of(new RouteLocation("http|far.localhost", new RouteHolder("self", "k"), "x:1")));
        assertThat(received()).startsWith("HTTP/1.1 404");
    }

    @Test
    void aStoreThatFailsWithNothingCachedIsA404() {
        sends(POST);
        lookups.get(0).completeExceptionally(new IllegalStateException("redis away"));
        client.runPendingTasks();
        assertThat(received()).startsWith("HTTP/1.1 404");
    }

    @Test
    void theClientLeavingWhileTheStoreIsAskedReleasesTheHeldBodyAndTheLateAnswerDoesNothing() {
        sends("POST /x HTTP/1.1\r\nHost: far.localhost\r\nContent-Length: 10\r\n\r\nhello");
        client.close();
        storeAnswers(Optional.of(new RouteLocation("http|far.localhost", new RouteHolder("other", "k"),
                "127.0.0.1:1")));
        assertThat(received()).isEmpty();
    }

    @Test
    void aPipelinedRequestWaitsBehindTheOneBeingLocated() {
        sends(POST + "GET /2 HTTP/1.1\r\nHost: near.localhost\r\n\r\n");
        assertThat(lookups).hasSize(1);
        storeAnswers(Optional.empty());
        assertThat(lookups).as("then the next one is located").hasSize(2);
        storeAnswers(Optional.empty());
        assertThat(received().split("HTTP/1.1 404", -1)).hasSize(3);
        assertThat(received()).contains("near.localhost");
    }

    /** A store whose look-ups the test answers (a fake: the point is the timing, not Redis). */
    static final class HeldStore extends ForwardingRouteStore {
        private final List<CompletableFuture<Optional<RouteLocation>>> lookups;
        private final LocalRouteStore rest = new LocalRouteStore();

        HeldStore(List<CompletableFuture<Optional<RouteLocation>>> lookups) {
            this.lookups = lookups;
        }

        @Override
        public CompletionStage<Optional<RouteLocation>> lookup(List<String> routes) {
            CompletableFuture<Optional<RouteLocation>> f = new CompletableFuture<>();
            lookups.add(f);
            return f;
        }

        @Override
        protected RouteStore delegate() {
            return rest;
        }
    }
}
