package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.bridge.FakeSshChannel;
import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.Tunnel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Every way one tunnel connection ends, seen from its listener: the channel is closed, the listener hears the end
 * exactly once, and the client address's share is given back exactly once.
 */
class UpstreamConnectionTest {

    final EmbeddedChannel loop = new EmbeddedChannel(); // its event loop runs the hops
    final RecordingOwner owner = new RecordingOwner(loop::runPendingTasks);
    final ServerConfig cfg = ConfigLoader.fromArgs("--domain=localhost");
    final Tunnel tunnel = new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, owner, "t", Instant.now());
    final List<String> heard = new ArrayList<>();
    final AtomicInteger sharesReturned = new AtomicInteger();

    final UpstreamConnection.Listener listener = new UpstreamConnection.Listener() {
        public void upstreamOpened(UpstreamConnection up) {
            heard.add("opened");
        }

        public void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason) {
            heard.add("failed " + failure);
        }

        public void upstreamObjects(UpstreamConnection up, List<Object> objects, Runnable release) {
            for (Object o : objects) {
                heard.add(o instanceof HttpResponse r ? "head " + r.status().code()
                        : o instanceof LastHttpContent ? "last" : "content");
                ReferenceCountUtil.release(o);
            }
            release.run();
        }

        public void upstreamPaused(UpstreamConnection up, boolean paused) {
        }

        public void upstreamEnded(UpstreamConnection up) {
            heard.add("ended");
        }
    };

    UpstreamConnection connection() {
        UpstreamConnection up = new UpstreamConnection(tunnel, loop.eventLoop(), cfg, listener, null,
                io.tuns.server.memory.MemoryBudget.off());
        up.holdShare(sharesReturned::incrementAndGet);
        up.open(null);
        up.send(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        return up;
    }

    @Test
    void serviceEofClosesTheChannelEndsOnceAndReturnsTheShare() {
        UpstreamConnection up = connection();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        assertThat(ch.sentToService()).startsWith("GET / HTTP/1.1");
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        ch.serviceEof();
        ch.dropped(); // the close that follows an EOF
        assertThat(heard).containsExactly("opened", "head 200", "last", "ended"); // the body rides on the last
        assertThat(ch.closed()).isTrue();
        assertThat(up.reusable()).isFalse();
        assertThat(sharesReturned).hasValue(1);
    }

    @Test
    void closedByTuns_thenTheCloseArrives_endsOnceAndReturnsTheShareOnce() {
        UpstreamConnection up = connection();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        loop.eventLoop().execute(up::close);
        loop.runPendingTasks();
        ch.dropped();
        assertThat(ch.closed()).isTrue();
        assertThat(sharesReturned).hasValue(1);
        assertThat(heard).containsExactly("opened", "ended");
    }

    @Test
    void closedBeforeTheOpenCompletes_theLateOpenIsClosedAtOnce() {
        UpstreamConnection up = connection();
        loop.eventLoop().execute(up::close);
        loop.runPendingTasks();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        assertThat(ch.closed()).isTrue();
        assertThat(ch.sentToService()).isEmpty();
        assertThat(heard).doesNotContain("opened");
        assertThat(sharesReturned).hasValue(1);
    }

    @Test
    void refusedOpenIsReportedThenEndsAndReturnsTheShare() {
        connection();
        owner.channels.get(0).refuse(OpenFailure.TIMEOUT);
        assertThat(heard).containsExactly("failed TIMEOUT", "ended");
        assertThat(sharesReturned).hasValue(1);
    }

    @Test
    void channelDroppedMidBodyWithoutEofDoesNotCompleteAnUndelimitedBody() {
        connection();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("HTTP/1.1 200 OK\r\n\r\npart");
        ch.dropped();
        assertThat(heard).containsExactly("opened", "head 200", "content", "ended"); // no "last": it was cut off
    }

    @Test
    void dataAfterTheEndIsReleasedNotDelivered() {
        UpstreamConnection up = connection();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        loop.eventLoop().execute(up::close);
        loop.runPendingTasks();
        AtomicInteger released = new AtomicInteger();
        ch.sink.onData("HTTP/1.1 200 OK\r\n\r\n".getBytes(), released::incrementAndGet);
        loop.runPendingTasks();
        assertThat(released).hasValue(1);
        assertThat(heard).containsExactly("opened");
    }
}
