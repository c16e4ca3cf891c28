package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Each way a gathered console request ends releases what it gathered exactly once. */
class ConsoleRequestTest {

    final List<ByteBuf> given = new ArrayList<>();
    final ConsoleRequest console = new ConsoleRequest(UnpooledByteBufAllocator.DEFAULT);
    final HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/_sish/api/x");

    HttpContent chunk(int bytes, boolean last) {
        ByteBuf b = Unpooled.buffer(bytes).writeZero(bytes);
        given.add(b);
        return last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b);
    }

    @Test
    void handedOverWholeTheConsoleOwnsTheBody() {
        assertThat(console.add(chunk(3, false))).isTrue();
        assertThat(console.add(chunk(4, true))).isTrue();
        FullHttpRequest full = console.complete(head);
        assertThat(full.content().readableBytes()).isEqualTo(7);
        assertThat(full.uri()).isEqualTo("/_sish/api/x");
        full.release();
        assertThat(given).allMatch(b -> b.refCnt() == 0);
        console.release(); // nothing left to release: no double release
    }

    @Test
    void growingBeyondTheCapReleasesEverything() {
        assertThat(console.add(chunk(ConsoleRequest.MAX_BYTES - 10, false))).isTrue();
        assertThat(console.add(chunk(11, false))).isFalse();
        assertThat(given).allMatch(b -> b.refCnt() == 0);
        console.release();
    }

    @Test
    void exactlyTheCapIsAccepted() {
        assertThat(console.add(chunk(ConsoleRequest.MAX_BYTES, true))).isTrue();
        console.release();
        assertThat(given).allMatch(b -> b.refCnt() == 0);
    }

    @Test
    void droppedWhenTheClientLeaves() {
        console.add(chunk(5, false));
        console.release();
        console.release();
        assertThat(given).allMatch(b -> b.refCnt() == 0);
    }

    @Test
    void aConsoleThatThrowsClosesTheConnectionAndTheRequestIsReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = ch.pipeline().firstContext();
        AtomicReference<FullHttpRequest> seen = new AtomicReference<>();
        console.add(chunk(5, true));
        console.handTo((c, req, host, root) -> {
            seen.set(req);
            throw new IllegalStateException("console bug");
        }, ctx, head, "localhost", true);
        assertThat(seen.get().refCnt()).isZero();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aConsoleThatAnswersGetsTheWholeRequest() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        AtomicReference<String> got = new AtomicReference<>();
        console.add(new DefaultLastHttpContent(Unpooled.copiedBuffer("a=1", StandardCharsets.UTF_8)));
        console.handTo((c, req, host, root) -> {
            got.set(host + " " + root + " " + req.content().toString(StandardCharsets.UTF_8));
            req.release();
        }, ch.pipeline().firstContext(), head, "app.localhost", false);
        assertThat(got.get()).isEqualTo("app.localhost false a=1");
        assertThat(ch.isOpen()).isTrue();
    }
}
