package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.ReusableChannel;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every way one request's hop ends, seen from the entry node (a real {@link ClusterHop}, {@link HopOwner} and
 * {@link HopStream} over real sockets to a {@link FakeOwnerNode}): what the proxy's side (the sink) hears, and what
 * became of the hop connection (back in the pool, or closed at both ends). Netty's leak detector watches every
 * buffer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HopExitPathsTest extends LeakCheckedLoops {

    static final String ROUTE = "http|app.localhost";
    static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);

    final Map<String, AtomicInteger> hopEvents = new ConcurrentHashMap<>();
    final ClusterEvents events = new ClusterEvents() {
        @Override
        public void hop(String result) {
            hopEvents.computeIfAbsent(result, k -> new AtomicInteger()).incrementAndGet();
        }
    };
    LocalRouteStore store;
    ClusterHop hop;
    /** Large: pressure only where a test puts it ({@link #pressure}). */
    MemoryBudget memory = MemoryBudget.of(64L << 20);
    final List<FakeOwnerNode> owners = new CopyOnWriteArrayList<>();

    @BeforeEach
    void entry() {
        store = new LocalRouteStore();
        hop = new ClusterHop(store, "entry", Duration.ofMillis(500), events, null, memory);
    }

    @AfterEach
    void stopOwners() {
        owners.forEach(FakeOwnerNode::close);
        await().untilAsserted(() -> assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES))
                .as("every byte of read-ahead given back").isZero());
        assertThat(memory.accountingErrors()).isZero();
    }

    /** Fills the budget past its pressure mark with bytes held elsewhere; returns them to give back. */
    long pressure() {
        long held = memory.limit() * 65 / 100;
        memory.reserve(MemoryBudget.Kind.CAPTURE, held);
        assertThat(memory.underPressure()).isTrue();
        return held;
    }

    FakeOwnerNode owner(String node, FakeOwnerNode.Answer answer) {
        FakeOwnerNode o = new FakeOwnerNode(group, answer);
        owners.add(o);
        store.join(node, o.address(), Duration.ZERO);
        return o;
    }

    static RouteLocation at(String node, String address) {
        return new RouteLocation(ROUTE, new RouteHolder(node, "SHA256:k"), address);
    }

    /** Opens a channel through {@code where} as the proxy does for one request. */
    Sink open(RouteLocation where) {
        Tunnel t = hop.remote(where, List.of(ROUTE), "app.localhost", group.next(),
                new InetSocketAddress("127.0.0.1", 80));
        Sink s = new Sink();
        t.owner().openChannel(t, CLIENT, s);
        return s;
    }

    int events(String result) {
        AtomicInteger n = hopEvents.get(result);
        return n == null ? 0 : n.get();
    }

    @Test
    void aCompleteExchangeGoesBackToThePoolAndTheNextRequestReusesIt() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink first = open(at("b", b.address()));
        await().until(first::opened);
        FakeOwnerNode.Hop h = b.hops.get(0);
        assertThat(h.header.source()).as("the client's address in the PROXY header").isEqualTo("192.0.2.7");
        assertThat(h.header.route()).isEqualTo(ROUTE);
        first.write("GET / HTTP/1.1\r\n\r\n");
        await().until(() -> h.received().equals("GET / HTTP/1.1\r\n\r\n"));
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await().until(() -> first.received().endsWith("ok"));
        first.recycle();
        await().until(() -> hop.idleHops() == 1);
        assertThat(first.ended()).as("a recycled use hears nothing more").isFalse();

        Sink second = open(at("b", b.address()));
        await().until(second::opened);
        assertThat(hop.idleHops()).isZero();
        second.write("GET /2 HTTP/1.1\r\n\r\n");
        await().until(() -> h.received().endsWith("GET /2 HTTP/1.1\r\n\r\n"));
        assertThat(b.hops).as("one connection for both requests").hasSize(1);
        assertThat(events("forwarded")).isEqualTo(1);
        assertThat(events("pooled")).isEqualTo(1);
        assertThat(events("reused")).isEqualTo(1);
        assertThat(first.received()).doesNotContain("/2");
    }

    @Test
    void theOwnerClosingMidAnswerEndsTheUseWithEofAndNothingIsPooled() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        await().until(s::opened);
        s.write("GET / HTTP/1.1\r\n\r\n");
        FakeOwnerNode.Hop h = b.hops.get(0);
        await().until(() -> h.receivedBytes() > 0);
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart");
        h.ch.close();
        await().until(s::ended);
        assertThat(s.eof).isTrue();
        assertThat(s.received()).endsWith("part");
        assertThat(hop.idleHops()).isZero();
    }

    @Test
    void anOwnerThatNeverAnswersTheHeaderFailsTheOpenAndTheConnectionCloses() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.SILENT);
        Sink s = open(at("b", b.address()));
        await().atMost(Duration.ofSeconds(5)).until(s::ended);
        assertThat(s.failure).isEqualTo(ChannelSink.OpenFailure.HOP);
        assertThat(s.reason).contains("did not answer in 500 ms");
        assertThat(s.opened()).isFalse();
        await().until(() -> b.hops.get(0).closed());
        assertThat(events("failed")).isEqualTo(1);
    }

    @Test
    void notHereGetsOneFreshLookupAndNoSecondTryAtTheSameNode() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.NOT_HERE);
        store.claim(ROUTE, new RouteHolder("b", "SHA256:k"), false); // the store still says b
        Sink s = open(at("b", b.address()));
        await().until(s::ended);
        assertThat(s.failure).isEqualTo(ChannelSink.OpenFailure.HOP);
        assertThat(s.reason).contains("moved");
        assertThat(b.hops).as("one dial only").hasSize(1);
        assertThat(events("not_here")).isEqualTo(1);
        assertThat(events("forwarded") + events("failed")).isZero();
    }

    @Test
    void notHereWhenTheRouteMovedGetsOneTryAtItsNewHolder() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.NOT_HERE);
        FakeOwnerNode c = owner("c", FakeOwnerNode.Answer.ACCEPT);
        store.claim(ROUTE, new RouteHolder("c", "SHA256:k"), false);
        Sink s = open(at("b", b.address())); // this entry's cache still said b
        await().until(s::opened);
        assertThat(b.hops).hasSize(1);
        assertThat(c.hops).hasSize(1);
        assertThat(events("not_here")).isEqualTo(1);
        assertThat(events("forwarded")).isEqualTo(1);
        s.close();
        await().until(() -> c.hops.get(0).closed());
    }

    @Test
    void notHereTwiceIsAFailureAfterTwoDials() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.NOT_HERE);
        FakeOwnerNode c = owner("c", FakeOwnerNode.Answer.NOT_HERE);
        store.claim(ROUTE, new RouteHolder("c", "SHA256:k"), false);
        Sink s = open(at("b", b.address()));
        await().until(s::ended);
        assertThat(s.failure).isEqualTo(ChannelSink.OpenFailure.HOP);
        assertThat(b.hops.size() + c.hops.size()).as("never a third").isEqualTo(2);
        assertThat(events("not_here")).isEqualTo(2);
    }

    @Test
    void aRefusedConnectFailsTheOpen() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Sink s = open(at("b", "127.0.0.1:" + port));
        await().until(s::ended);
        assertThat(s.failure).isEqualTo(ChannelSink.OpenFailure.HOP);
        assertThat(events("failed")).isEqualTo(1);
        assertThat(hop.idleHops()).isZero();
    }

    @Test
    void theClientLeavingMidBodyClosesTheHopConnection() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        await().until(s::opened);
        s.write("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nhalf");
        FakeOwnerNode.Hop h = b.hops.get(0);
        await().until(() -> h.received().endsWith("half"));
        s.close(); // what UpstreamConnection.close does when the client went away
        await().until(h::closed);
        await().until(s::ended);
        assertThat(hop.idleHops()).isZero();
    }

    @Test
    void theOwnerSpeakingBetweenExchangesEndsThePooledConnection() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        await().until(s::opened);
        s.recycle();
        await().until(() -> hop.idleHops() == 1);
        FakeOwnerNode.Hop h = b.hops.get(0);
        h.send("HTTP/1.1 200 OK\r\n\r\n");
        await().until(h::closed);
        await().until(() -> hop.idleHops() == 0);
        assertThat(s.received()).as("nothing reaches a recycled use").isEmpty();
    }

    @Test
    void anIdlePooledConnectionTheOwnerClosedIsDroppedAndTheNextRequestDials() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        await().until(s::opened);
        s.recycle();
        await().until(() -> hop.idleHops() == 1);
        b.hops.get(0).ch.close(); // the owner's head timeout
        await().until(() -> hop.idleHops() == 0);
        Sink next = open(at("b", b.address()));
        await().until(next::opened);
        assertThat(b.hops).hasSize(2);
    }

    @Test
    void readingFromTheOwnerPausesWhileTheClientSideHasNotTakenTheBytes() {
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        s.holdReleases = true;
        await().until(s::opened);
        FakeOwnerNode.Hop h = b.hops.get(0);
        byte[] mib = new byte[1024 * 1024];
        java.util.Arrays.fill(mib, (byte) 'x');
        group.next().execute(() -> h.ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(mib)));
        await().until(() -> s.receivedBytes() > HopStream.HIGH_BYTES);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> s.receivedBytes() < HopStream.HIGH_BYTES + 256 * 1024);
        assertThat(s.receivedBytes()).as("paused: bounded by the high mark and one read").isLessThan(mib.length);
        assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("the read-ahead is counted")
                .isEqualTo(s.receivedBytes());
        s.releaseAll();
        await().until(() -> s.receivedBytes() == mib.length);
    }

    @Test
    void underMemoryPressureTheReadAheadStopsAtTheLowMark() {
        long held = pressure();
        FakeOwnerNode b = owner("b", FakeOwnerNode.Answer.ACCEPT);
        Sink s = open(at("b", b.address()));
        s.holdReleases = true;
        await().until(s::opened);
        FakeOwnerNode.Hop h = b.hops.get(0);
        byte[] mib = new byte[1024 * 1024];
        group.next().execute(() -> h.ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(mib)));
        await().until(() -> s.receivedBytes() > HopStream.LOW_BYTES);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> s.receivedBytes() < HopStream.LOW_BYTES + 256 * 1024);
        assertThat(s.receivedBytes()).as("paused at the low mark and one read").isLessThan(HopStream.HIGH_BYTES);
        memory.release(MemoryBudget.Kind.CAPTURE, held);
        s.releaseAll();
        await().until(() -> s.receivedBytes() == mib.length);
    }

    /** The proxy's side of a channel, recorded. */
    static final class Sink implements ChannelSink {
        volatile IoOutputStream out;
        volatile Closeable channel;
        volatile OpenFailure failure;
        volatile String reason;
        volatile boolean eof;
        private volatile boolean closed;
        volatile boolean holdReleases;
        private final List<Runnable> held = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public void onOpen(IoOutputStream toClient, Closeable ch) {
            out = toClient;
            channel = ch;
        }

        @Override
        public void onOpenFailed(OpenFailure f, String why) {
            failure = f;
            reason = why;
        }

        @Override
        public void onData(byte[] data, Runnable release) {
            synchronized (received) {
                received.write(data, 0, data.length);
            }
            if (holdReleases) {
                held.add(release);
            } else {
                release.run();
            }
        }

        @Override
        public void onEof() {
            eof = true;
        }

        @Override
        public void onClosed() {
            closed = true;
        }

        boolean opened() {
            return out != null;
        }

        boolean ended() {
            return closed;
        }

        String received() {
            synchronized (received) {
                return received.toString(StandardCharsets.ISO_8859_1);
            }
        }

        int receivedBytes() {
            synchronized (received) {
                return received.size();
            }
        }

        void releaseAll() {
            holdReleases = false;
            held.forEach(Runnable::run);
        }

        void write(String s) {
            try {
                out.writeBuffer(new ByteArrayBuffer(s.getBytes(StandardCharsets.ISO_8859_1)))
                        .verify(5, TimeUnit.SECONDS);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void recycle() {
            ((ReusableChannel) channel).recycle();
        }

        void close() {
            channel.close(false);
        }
    }
}
