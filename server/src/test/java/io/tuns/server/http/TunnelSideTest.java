package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.bridge.FakeSshChannel;
import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.Tunnel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tunnel side alone, with the client side played by the test: each way its channel ends is told to the
 * exchange (an answer while nothing was relayed, else the client closed), and reading resumes whatever paused it.
 */
class TunnelSideTest {

    final EmbeddedChannel client = new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
    final RecordingOwner owner = new RecordingOwner(client::runPendingTasks);
    final ServerConfig cfg = ConfigLoader.fromArgs("--domain=localhost");
    final ClientShares shares = new ClientShares(new ClientShares.Settings(2, 50)); // 1 per address
    final Tunnel tunnel = new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, owner, "t", Instant.now());
    final ReadGate gate = new ReadGate(client, () -> { });
    final ClientOutput out = new ClientOutput(client.pipeline().lastContext(), null);
    final List<String> told = new ArrayList<>();
    ProxyExchange current;

    final TunnelSide.Exchanges exchanges = new TunnelSide.Exchanges() {
        public ProxyExchange current() {
            return current;
        }

        public void fail(FullHttpResponse r) {
            told.add("fail " + r.status().code());
            current.answered(r.status().code());
            r.release();
        }

        public void maybeFinish() {
            told.add("maybeFinish " + current.response());
        }

        public RawRelay upgrade(UpstreamConnection up, ChannelFuture head) {
            throw new AssertionError("no upgrade here");
        }
    };
    final TunnelSide side = new TunnelSide(exchanges, gate, out, HttpEvents.NONE, shares,
            l -> new UpstreamRecovery(client, cfg, shares, null, MemoryBudget.off(), l));

    ProxyExchange sendGet() {
        current = new ProxyExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x"),
                "app.localhost");
        current.clientIp = "203.0.113.7";
        side.send(current, tunnel);
        side.send(LastHttpContent.EMPTY_LAST_CONTENT);
        current.requestDone = true;
        return current;
    }

    String clientGot() {
        StringBuilder b = new StringBuilder();
        Object o;
        while ((o = client.readOutbound()) != null) {
            b.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ReferenceCountUtil.release(o);
        }
        return b.toString();
    }

    @Test
    void readingPausesWhileTheChannelOpens() {
        sendGet();
        assertThat(client.config().isAutoRead()).isFalse();
        owner.channels.get(0).open();
        assertThat(client.config().isAutoRead()).isTrue();
        assertThat(owner.channels.get(0).sentToService()).startsWith("GET /x HTTP/1.1");
    }

    @Test
    void aWholeAnswerIsRelayedAndTheKeptChannelReused() {
        sendGet();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(clientGot()).startsWith("HTTP/1.1 200 OK").endsWith("ok");
        assertThat(told).containsExactly("maybeFinish DONE");
        side.keepIf(true);
        sendGet();
        assertThat(owner.channels).hasSize(1);
        assertThat(current.onReusedUpstream).isTrue();
        side.keepIf(false);
        assertThat(ch.closed()).isTrue();
        assertThat(shares.entries()).isZero();
    }

    @Test
    void beyondTheClientsShareTheExchangeIsAnswered429AndNothingIsAskedFor() {
        assertThat(shares.tryAcquire(owner, "203.0.113.7")).isTrue(); // another connection from that address
        sendGet();
        assertThat(told).containsExactly("fail 429");
        assertThat(owner.channels).isEmpty();
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void aRefusedOpenIsAnsweredAndReadingResumes() {
        sendGet();
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        assertThat(told).containsExactly("fail 502");
        assertThat(client.config().isAutoRead()).isTrue();
        assertThat(shares.entries()).isZero();
    }

    @Test
    void aReusedChannelClosedUnderAGetIsRetriedOnce() {
        sendGet();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        side.keepIf(true);
        sendGet();
        ch.serviceEof(); // closed just as the request went out
        assertThat(owner.channels).hasSize(2);
        assertThat(told).containsExactly("maybeFinish DONE");
        owner.channels.get(1).open();
        owner.channels.get(1).serviceEof(); // a fresh channel's end is not retried
        assertThat(told).containsExactly("maybeFinish DONE", "fail 502");
        assertThat(owner.channels).hasSize(2);
        assertThat(shares.entries()).isZero();
    }

    @Test
    void aCutOffAfterTheHeadClosesTheClient() {
        sendGet();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");
        ch.dropped();
        assertThat(told).containsOnly("maybeFinish STREAMING"); // no answer of tuns' own after a head went out
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void aBadResponseBeforeAnyHeadIsAnswered502AndTheChannelClosed() {
        sendGet();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("NOT HTTP AT ALL\r\n\r\n");
        assertThat(told).contains("fail 502");
        assertThat(ch.closed()).isTrue();
        assertThat(current.keepAlive).isFalse();
    }

    @Test
    void aKeptChannelEndingWithNoExchangeOfItsOwnTellsNobody() {
        sendGet();
        FakeSshChannel ch = owner.channels.get(0);
        ch.open();
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        side.keepIf(true);
        clientGot();
        current = null; // the client side is busy with something else (an answered or console request)
        ch.serviceSends("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno"); // unasked: dropped
        ch.serviceEof();
        assertThat(told).containsExactly("maybeFinish DONE");
        assertThat(clientGot()).isEmpty();
        assertThat(ch.closed()).isTrue();
        assertThat(client.isOpen()).isTrue();
    }
}
