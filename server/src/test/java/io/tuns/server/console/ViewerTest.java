package io.tuns.server.console;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.ExchangeListener;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.TestConfigs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ViewerTest {

    private static Exchange anExchange() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        inspector.begin("h.localhost", "127.0.0.1",
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        return inspector.exchanges("h.localhost").get(0);
    }

    @Test
    void dropsEventsWhileNotWritableAndReportsTheGapLater() {
        Exchange exchange = anExchange();
        ChannelHandlerContext[] ctx = new ChannelHandlerContext[1];
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext c) {
                ctx[0] = c;
            }
        });
        AtomicLong dropped = new AtomicLong();
        Viewer viewer = new Viewer(ctx[0], e -> "{}", dropped::addAndGet, Long.MAX_VALUE);

        viewer.exchange(exchange, ExchangeListener.Event.STARTED);
        viewer.exchange(exchange, ExchangeListener.Event.RESPONDED);
        assertThat(frames(ch)).as("nothing before the flush").isEmpty();
        ch.advanceTimeBy(Viewer.FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(frames(ch)).as("one coalesced frame").containsExactly(
                "id: " + exchange.id() + "\nevent: exchanges\ndata: {\"exchanges\":[{}]}\n\n");

        // The peer stops reading: the outbound buffer says "not writable".
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(ch.isWritable()).isFalse();
        for (Exchange e : exchanges(5)) {
            viewer.exchange(e, ExchangeListener.Event.ENDED);
        }
        ch.advanceTimeBy(Viewer.FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(frames(ch)).isEmpty();
        assertThat(dropped.get()).isEqualTo(5);
        assertThat(viewer.totalDropped()).isEqualTo(5);

        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        viewer.ping();
        List<String> after = frames(ch);
        assertThat(after.get(0)).isEqualTo("event: gap\ndata: {\"dropped\":5}\n\n");
        assertThat(after.get(1)).isEqualTo(": ping\n\n");
        ch.finishAndReleaseAll();
    }

    @Test
    void moreChangedExchangesThanTheBoundAreDroppedAndReported() {
        ChannelHandlerContext[] ctx = new ChannelHandlerContext[1];
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext c) {
                ctx[0] = c;
            }
        });
        AtomicLong dropped = new AtomicLong();
        Viewer viewer = new Viewer(ctx[0], e -> "{\"id\":" + e.id() + "}", dropped::addAndGet, Long.MAX_VALUE);
        List<Exchange> many = exchanges(Viewer.MAX_PENDING + 3);
        for (Exchange e : many) {
            viewer.exchange(e, ExchangeListener.Event.STARTED);
        }
        viewer.exchange(many.get(0), ExchangeListener.Event.ENDED); // already pending: no extra cost
        assertThat(dropped.get()).isEqualTo(3);
        ch.advanceTimeBy(Viewer.FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        List<String> out = frames(ch);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).as("the page learns it must re-read").isEqualTo("event: gap\ndata: {\"dropped\":3}\n\n");
        assertThat(out.get(1)).startsWith("id: " + many.get(Viewer.MAX_PENDING - 1).id() + "\nevent: exchanges\n")
                .contains("{\"id\":" + many.get(0).id() + "},{\"id\":" + many.get(1).id() + "}");
        ch.finishAndReleaseAll();
    }

    private static List<Exchange> exchanges(int n) {
        Inspector inspector = new Inspector(TestConfigs.config("inspectMaxExchangesPerTunnel", n),
                TestConfigs.metrics());
        for (int i = 0; i < n; i++) {
            inspector.begin("h.localhost", "127.0.0.1", new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    "/" + i));
        }
        List<Exchange> out = new ArrayList<>(inspector.exchanges("h.localhost"));
        Collections.reverse(out);
        return out;
    }

    @Test
    void closesAViewerStalledPastTheTimeout() throws Exception {
        ChannelHandlerContext[] ctx = new ChannelHandlerContext[1];
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext c) {
                ctx[0] = c;
            }
        });
        Viewer viewer = new Viewer(ctx[0], e -> "{}", n -> { }, 1_000_000); // 1 ms
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        Thread.sleep(5);
        viewer.ping();
        assertThat(ch.isOpen()).isFalse();
    }

    private static List<String> frames(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            ByteBuf b = ((HttpContent) msg).content();
            out.add(b.toString(StandardCharsets.UTF_8));
            ((HttpContent) msg).release();
        }
        return out;
    }
}
