package io.tuns.server.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node's {@code --cluster-listen} side that misbehaves on demand: it answers ACCEPT, NOT_HERE or nothing, and the
 * test then speaks for it byte by byte. A fake because a real tuns node cannot be made to stay silent after a
 * header, speak between exchanges or close mid-answer on cue; the real owner is ClusterIT's.
 */
final class FakeOwnerNode implements AutoCloseable {

    enum Answer { ACCEPT, NOT_HERE, SILENT }

    /** One hop connection as the owner sees it. */
    static final class Hop {
        final Channel ch;
        final HAProxyMessageFields header;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Hop(Channel ch, HAProxyMessageFields header) {
            this.ch = ch;
            this.header = header;
        }

        synchronized String received() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }

        synchronized int receivedBytes() {
            return received.size();
        }

        synchronized void add(ByteBuf b) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            received.writeBytes(bytes);
        }

        void send(String s) {
            send(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        void send(byte[] bytes) {
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
        }

        boolean closed() {
            return !ch.isActive();
        }
    }

    /** What the header said: the client's address and the route. */
    record HAProxyMessageFields(String source, int sourcePort, String route) {
    }

    final List<Hop> hops = new CopyOnWriteArrayList<>();
    private final Channel server;
    private volatile Answer answer;

    FakeOwnerNode(EventLoopGroup group, Answer answer) {
        this.answer = answer;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HAProxyMessageDecoder(), new Side());
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    private final class Side extends ChannelInboundHandlerAdapter {
        private Hop hop;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HAProxyMessage h) {
                hop = new Hop(ctx.channel(), new HAProxyMessageFields(h.sourceAddress(), h.sourcePort(),
                        HopHeader.route(h)));
                h.release();
                hops.add(hop);
                switch (answer) {
                    case ACCEPT -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {HopHeader.ACCEPT}));
                    case NOT_HERE -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {HopHeader.NOT_HERE}))
                            .addListener(ChannelFutureListener.CLOSE);
                    case SILENT -> { }
                }
                return;
            }
            try {
                hop.add((ByteBuf) msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    @Override
    public void close() {
        hops.forEach(h -> h.ch.close());
        server.close().syncUninterruptibly();
    }
}
