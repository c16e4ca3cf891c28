package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stream that tuns paused (its tunnel full) gives the client its window back when reading resumes, on the wire.
 * Netty's stream channel writes that WINDOW_UPDATE from read() but flushes it only when no read was pending; with one
 * pending (the gate's own read after a resume) it stayed unflushed, the client's window stayed at zero with reading
 * on, and the upload stopped until the body timeout answered 408 (Http2IT's 256 MiB upload under load).
 */
class H2WindowAfterPauseTest {

    static final int FRAME = 16 * 1024;

    /** Netty's multiplexer takes a connection for a server's when its parent is a server channel. */
    final EmbeddedChannel connection = new EmbeddedChannel(new LocalServerChannel(), DefaultChannelId.newInstance(),
            true, false);
    final List<Integer> dataSeen = new ArrayList<>();
    ReadGate gate;

    @AfterEach
    void close() {
        connection.finishAndReleaseAll();
    }

    @Test
    void everyResumeFlushesTheWindowItReturns() throws Exception {
        connection.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(H2Limits.STREAM_WINDOW)).build());
        connection.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                gate = new ReadGate(stream, () -> { });
                stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2DataFrame data) {
                            dataSeen.add(data.content().readableBytes());
                            gate.pause(ReadGate.Reason.SSH_FULL); // as the tunnel does when its queue is full
                        }
                        ReferenceCountUtil.release(msg);
                    }
                });
            }
        }));
        ClientFrames client = new ClientFrames();
        connection.writeInbound(client.preface());
        connection.writeInbound(client.settingsAck());
        connection.writeInbound(client.headers(1));
        windowUpdates(); // the server's preface, nothing for stream 1 yet

        int half = H2Limits.STREAM_WINDOW / 2; // Netty's flow controller sends WINDOW_UPDATE per half window consumed
        int returned = 0;
        for (int i = 1; i <= 4; i++) {
            connection.writeInbound(client.data(1, FRAME));
            assertThat(dataSeen).hasSize(i);
            gate.resume(ReadGate.Reason.SSH_FULL); // the tunnel drained: on the event loop, outside any read
            returned += windowUpdates().getOrDefault(1, 0);
            assertThat(returned).as("window of stream 1 on the wire after resume %d", i).isEqualTo(i * FRAME / half * half);
        }
        assertThat(returned).as("all four frames' window given back").isEqualTo(4 * FRAME);
    }

    /** The stream id → increment of each WINDOW_UPDATE the server has flushed since the last call. */
    private java.util.Map<Integer, Integer> windowUpdates() throws Exception {
        java.util.Map<Integer, Integer> found = new java.util.HashMap<>();
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = connection.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        try (DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader()) {
            reader.readFrame(connection.pipeline().firstContext(), all, new Http2FrameAdapter() {
                @Override
                public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int increment) {
                    found.merge(streamId, increment, Integer::sum);
                }
            });
        } finally {
            all.release();
        }
        return found;
    }

    /** Encodes what a client sends, with Netty's own frame writer. */
    static final class ClientFrames {
        final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        final EmbeddedChannel sink = new EmbeddedChannel(new ChannelDuplexHandler()); // a context to write through

        ByteBuf preface() {
            ByteBuf b = Http2CodecUtil.connectionPrefaceBuf();
            writer.writeSettings(sink.pipeline().firstContext(), new Http2Settings(), sink.newPromise());
            return Unpooled.wrappedBuffer(b, drain());
        }

        ByteBuf settingsAck() {
            writer.writeSettingsAck(sink.pipeline().firstContext(), sink.newPromise());
            return drain();
        }

        ByteBuf headers(int stream) throws Exception {
            writer.writeHeaders(sink.pipeline().firstContext(), stream, new DefaultHttp2Headers().method("POST")
                    .path("/up").scheme("https").authority("big.localhost"), 0, false, sink.newPromise());
            return drain();
        }

        ByteBuf data(int stream, int size) {
            writer.writeData(sink.pipeline().firstContext(), stream, Unpooled.wrappedBuffer(new byte[size]), 0, false,
                    sink.newPromise());
            return drain();
        }

        private ByteBuf drain() {
            sink.flush();
            ByteBuf all = Unpooled.buffer();
            for (Object o; (o = sink.readOutbound()) != null; ) {
                all.writeBytes((ByteBuf) o);
                ((ByteBuf) o).release();
            }
            return all;
        }
    }
}
