package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import io.tuns.server.tls.ClusterCredentials;
import io.tuns.server.tls.Openssl;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteHolder;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit paths of a hop on real loopback sockets, with the real {@link ClusterListener} as the owner: the owner
 * refuses (NOT_HERE, one fresh look-up, then give up), is unreachable, refuses the TLS handshake, or accepts and
 * speaks first. Each checks what was left open: the owner's connections and the counts of the hop's results.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterHopTest {

    static final String ROUTE = "tcp|example.com:2000";

    @TempDir
    static Path dir;
    static HopTls cluster;
    static HopTls stranger;
    static EventLoopGroup group;

    LocalRouteStore store;
    Channel ingressServer;
    BlockingQueue<Channel> ingresses;
    Socket client;
    Channel ingress;
    final Map<String, AtomicInteger> hops = new ConcurrentHashMap<>();
    final AtomicInteger refused = new AtomicInteger();
    final ClusterEvents events = new ClusterEvents() {
        @Override
        public void hop(String result) {
            hops.computeIfAbsent(result, r -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void peerRefused() {
            refused.incrementAndGet();
        }
    };

    @BeforeAll
    static void certificates() throws Exception {
        Openssl.Ca ca = Openssl.ca(dir, "cluster");
        Openssl.Ca other = Openssl.ca(dir, "other");
        Openssl.clusterNode(ca, dir, "n1");
        Openssl.clusterNode(other, dir, "rogue");
        cluster = ClusterCredentials.load(dir.resolve("n1.crt"), dir.resolve("n1.key"), ca.cert());
        stranger = ClusterCredentials.load(dir.resolve("rogue.crt"), dir.resolve("rogue.key"), other.cert());
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A real accepted connection to stand for the client's connection at the entry node. */
    @BeforeEach
    void ingress() throws Exception {
        store = new LocalRouteStore();
        store.join("self", "", Duration.ofMinutes(5));
        ingresses = new LinkedBlockingQueue<>();
        ingressServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.config().setAutoRead(false);
                        ingresses.add(ch);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        client = new Socket("127.0.0.1", ((InetSocketAddress) ingressServer.localAddress()).getPort());
        ingress = ingresses.poll(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        ingressServer.close().sync();
    }

    /** An owner node on --cluster-listen whose landing serves {@code serves} and says {@code hello} first. */
    ClusterListener owner(HopTls tls, boolean serves, String hello, AtomicInteger open) throws Exception {
        ClusterListener l = new ClusterListener("127.0.0.1:0", new HopLanding() {
            @Override
            public boolean serves(String route, HopHeader.Entry entry) {
                return serves;
            }

            @Override
            public void land(Channel ch, String route, HopHeader.Entry entry) {
                open.incrementAndGet();
                ch.closeFuture().addListener(f -> open.decrementAndGet());
                ch.writeAndFlush(Unpooled.copiedBuffer(hello, StandardCharsets.UTF_8));
            }
        }, tls, events, group, group);
        l.start();
        return l;
    }

    void holds(String node, InetSocketAddress at) {
        store.join(node, "127.0.0.1:" + at.getPort(), Duration.ofMinutes(5));
        store.claim(ROUTE, new RouteHolder(node, "SHA256:k"), true);
    }

    ClusterHop hop(HopTls tls) {
        return new ClusterHop(store, "self", Duration.ofSeconds(2), events, tls);
    }

    Future<Channel> reach(ClusterHop hop) {
        return hop.reach(ingress, List.of(ROUTE), new InetSocketAddress("10.1.2.3", 4000), r -> HopHeader.Entry.RAW);
    }

    @Test
    void anAcceptedHopCarriesWhatTheOwnerSaysFirstOverMutualTls() throws Exception {
        AtomicInteger open = new AtomicInteger();
        try (ClusterListener o = owner(cluster, true, "SSH-2.0-service\r\n", open)) {
            holds("o1", o.boundAddress());
            Future<Channel> f = reach(hop(cluster)).await();
            assertThat(f.isSuccess()).as("%s", f.cause()).isTrue();
            Channel owner = f.getNow();
            ingress.eventLoop().submit(() -> Splice.join(ingress, owner)).sync();
            client.setSoTimeout(5000);
            byte[] got = client.getInputStream().readNBytes(17);
            assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("SSH-2.0-service\r\n");
            client.close(); // the client leaves: the owner's side closes too
            await().atMost(Duration.ofSeconds(5)).until(() -> open.get() == 0 && !owner.isOpen());
            assertThat(hops.get("forwarded")).hasValue(1);
            assertThat(refused).hasValue(0);
        }
    }

    @Test
    void anOwnerThatRefusesTwiceEndsTheHopAfterOneFreshLookUp() throws Exception {
        AtomicInteger open = new AtomicInteger();
        try (ClusterListener o = owner(cluster, false, "", open)) {
            holds("o1", o.boundAddress());
            Future<Channel> f = reach(hop(cluster)).await();
            assertThat(f.isSuccess()).isFalse();
            assertThat(f.cause()).hasMessageContaining("did not take the connection");
            assertThat(hops.get("not_here")).as("one try, one retry at the same node is not made").hasValue(1);
            assertThat(open).hasValue(0);
            assertThat(ingress.isOpen()).as("the entry decides what to tell its client").isTrue();
        }
    }

    @Test
    void aStaleRouteIsTriedOnceMoreWhereTheStoreNowSaysItIs() throws Exception {
        AtomicInteger open = new AtomicInteger();
        try (ClusterListener stale = owner(cluster, false, "", open);
             ClusterListener fresh = owner(cluster, true, "hi", open)) {
            holds("o1", stale.boundAddress());
            store.join("o2", "127.0.0.1:" + fresh.boundAddress().getPort(), Duration.ofMinutes(5));
            ClusterHop hop = new ClusterHop(store, "self", Duration.ofSeconds(2), new ClusterEvents() {
                @Override
                public void hop(String result) {
                    events.hop(result);
                    if (result.equals("not_here")) { // the route moved meanwhile
                        store.claim(ROUTE, new RouteHolder("o2", "SHA256:k"), true);
                    }
                }
            }, cluster);
            Future<Channel> f = reach(hop).await();
            assertThat(f.isSuccess()).as("%s", f.cause()).isTrue();
            f.getNow().close().sync();
            assertThat(hops.get("not_here")).hasValue(1);
            assertThat(hops.get("forwarded")).hasValue(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> open.get() == 0);
        }
    }

    @Test
    void anUnreachableOwnerFailsTheHop() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        holds("o1", new InetSocketAddress("127.0.0.1", closed));
        Future<Channel> f = reach(hop(cluster)).await();
        assertThat(f.isSuccess()).isFalse();
        assertThat(f.cause()).isInstanceOf(ConnectException.class);
        assertThat(hops.get("failed")).hasValue(1);
    }

    @Test
    void aNodeWithACertificateFromAnotherCaIsRefusedAndCounted() throws Exception {
        AtomicInteger open = new AtomicInteger();
        try (ClusterListener o = owner(cluster, true, "secret", open)) {
            holds("o1", o.boundAddress());
            Future<Channel> f = reach(hop(stranger)).await();
            assertThat(f.isSuccess()).isFalse();
            assertThat(hops.get("failed")).hasValue(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() == 1);
            assertThat(open).as("never landed").hasValue(0);
        }
    }

    @Test
    void aPlainHopToAnMtlsOwnerIsRefusedAndCounted() throws Exception {
        AtomicInteger open = new AtomicInteger();
        try (ClusterListener o = owner(cluster, true, "secret", open)) {
            holds("o1", o.boundAddress());
            Future<Channel> f = reach(hop(null)).await();
            assertThat(f.isSuccess()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() == 1);
            assertThat(open).hasValue(0);
        }
    }

    @Test
    void nobodyHoldingTheRouteKeepsTheConnectionHere() throws Exception {
        Future<Channel> f = reach(hop(cluster)).await();
        assertThat(f.isSuccess()).isTrue();
        assertThat(f.getNow()).isNull();
        assertThat(hops).isEmpty();
    }
}
