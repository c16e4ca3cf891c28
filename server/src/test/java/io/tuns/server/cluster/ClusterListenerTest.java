package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The owner side of a hop over a real socket: ACCEPT only for a route a local tunnel serves, while the lease is live. */
class ClusterListenerTest {

    EventLoopGroup group;
    ClusterListener listener;
    final AtomicBoolean leaseLive = new AtomicBoolean(true);
    final AtomicInteger handedToHttp = new AtomicInteger();
    final TunnelRegistry registry = new TunnelRegistry();
    ClusterHop hop;

    @BeforeEach
    void listen() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        registry.claim(new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, new NoOwner(), "t",
                Instant.now()), new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")));
        listener = new ClusterListener("127.0.0.1:0", registry, ch -> handedToHttp.incrementAndGet(),
                leaseLive::get, group, group);
        listener.start();
        hop = new ClusterHop(new LocalRouteStore(), "entry", Duration.ofSeconds(2), ClusterEvents.NONE);
    }

    @AfterEach
    void stop() {
        listener.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    Future<Channel> dial(String route) {
        RouteLocation where = new RouteLocation(route, new RouteHolder("owner", "SHA256:k"),
                "127.0.0.1:" + listener.boundAddress().getPort());
        return hop.dial(group.next(), new InetSocketAddress("127.0.0.1", 80), where,
                new InetSocketAddress("192.0.2.9", 5555)).awaitUninterruptibly();
    }

    @Test
    void acceptsARouteALocalTunnelServes() {
        Future<Channel> f = dial("http|app.localhost");
        assertThat(f.isSuccess()).isTrue();
        assertThat(handedToHttp).hasValue(1);
        f.getNow().close();
    }

    @Test
    void notHereForARouteNoLocalTunnelServes() {
        Future<Channel> f = dial("http|other.localhost");
        assertThat(f.cause()).isInstanceOf(ClusterHop.NotHere.class);
        assertThat(handedToHttp).hasValue(0);
    }

    @Test
    void notHereWhileTheLeaseHasLapsedEvenForItsOwnRoute() {
        leaseLive.set(false); // another node may hold the name by now: this one must not serve it
        Future<Channel> f = dial("http|app.localhost");
        assertThat(f.cause()).isInstanceOf(ClusterHop.NotHere.class);
        assertThat(handedToHttp).hasValue(0);
        leaseLive.set(true);
        Future<Channel> again = dial("http|app.localhost");
        assertThat(again.isSuccess()).as("renewed: accepted again").isTrue();
        again.getNow().close();
    }

    /** A tunnel whose channels are never opened here. */
    static final class NoOwner implements TunnelOwner {
        @Override
        public String remoteAddress() {
            return "127.0.0.1:1";
        }

        @Override
        public String user() {
            return "u";
        }

        @Override
        public String keyFingerprint() {
            return null;
        }

        @Override
        public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
            sink.onOpenFailed(ChannelSink.OpenFailure.CLOSED, "test owner");
            sink.onClosed();
        }

        @Override
        public void message(String line) {
        }

        @Override
        public void closeTunnel(Tunnel tunnel, String why) {
        }

        @Override
        public void tunnelTakenOver(Tunnel tunnel) {
        }
    }
}
