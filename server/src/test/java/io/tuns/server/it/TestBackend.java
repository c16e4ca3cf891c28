package io.tuns.server.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The user's local service in tests: a real HTTP/1.1 + WebSocket server on loopback with streaming routes.
 * GET /hello, GET /headers, GET /bytes?size=N&seed=S[&chunked=1], POST /sha256, POST /echo, GET /ws (echo),
 * GET /sse (endless). Records each request line it saw, and each request's raw bytes as they arrived on the socket
 * ({@link #rawRequests}, for byte-for-byte comparisons; requests are assumed not to be pipelined).
 */
public final class TestBackend implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** Raw bytes of each complete request (head and body), oldest first; at most {@link RawTap#MAX_BYTES} each. */
    public final List<byte[]> rawRequests = new CopyOnWriteArrayList<>();

    public TestBackend() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RawTap tap = new RawTap();
                        ch.pipeline().addLast(tap);
                        ch.pipeline().addLast(new HttpServerCodec(8192, 65536, 65536));
                        ch.pipeline().addLast(new io.netty.handler.codec.http.HttpServerExpectContinueHandler());
                        ch.pipeline().addLast(new ChunkedWriteHandler());
                        ch.pipeline().addLast("ws", new WebSocketServerProtocolHandler("/ws", null, true, 1 << 20));
                        ch.pipeline().addLast(new WsEcho());
                        ch.pipeline().addLast(new Routes(tap));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The bytes GET /bytes sends: deterministic, so the test can compute the expected hash. */
    public static byte[] pattern(long offset, int n, long seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            long x = (offset + i) * 0x9E3779B97F4A7C15L + seed;
            x ^= (x >>> 29);
            b[i] = (byte) (x * 0xBF58476D1CE4E5B9L >>> 56);
        }
        return b;
    }

    public static String sha256OfPattern(long size, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (long off = 0; off < size; off += 65536) {
            md.update(pattern(off, (int) Math.min(65536, size - off), seed));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static final class WsEcho extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
            ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
        }
    }

    /** Copies inbound bytes before the decoder sees them; {@link #take()} hands over one request's worth. */
    private static final class RawTap extends ChannelInboundHandlerAdapter {
        static final int MAX_BYTES = 4 << 20;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b && bytes.size() < MAX_BYTES) {
                int n = Math.min(b.readableBytes(), MAX_BYTES - bytes.size());
                byte[] copy = new byte[n];
                b.getBytes(b.readerIndex(), copy);
                bytes.write(copy, 0, n);
            }
            ctx.fireChannelRead(msg);
        }

        byte[] take() {
            byte[] out = bytes.toByteArray();
            bytes.reset();
            return out;
        }
    }

    private final class Routes extends SimpleChannelInboundHandler<HttpObject> {
        private final RawTap tap;
        private HttpRequest req;
        private MessageDigest digest;
        private long bytes;
        private boolean echo;

        Routes(RawTap tap) {
            this.tap = tap;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (msg instanceof HttpRequest r) {
                req = r;
                requests.add(r.method() + " " + r.uri());
                digest = MessageDigest.getInstance("SHA-256");
                bytes = 0;
                QueryStringDecoder q = new QueryStringDecoder(r.uri());
                echo = q.path().equals("/echo");
                if (echo) {
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(head, true);
                    ctx.writeAndFlush(head);
                }
            }
            if (msg instanceof HttpContent c) {
                ByteBuf content = c.content();
                bytes += content.readableBytes();
                if (echo) {
                    if (content.isReadable()) {
                        ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(content.retain()));
                    }
                } else {
                    digest.update(content.nioBuffer());
                }
                if (c instanceof LastHttpContent) {
                    rawRequests.add(tap.take());
                    if (echo) {
                        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    } else {
                        respond(ctx);
                    }
                }
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            Map<String, List<String>> p = q.parameters();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            switch (q.path()) {
                case "/hello" -> text(ctx, "hello from backend\n", keepAlive);
                case "/headers" -> {
                    StringBuilder b = new StringBuilder();
                    req.headers().forEach(e -> b.append(e.getKey().toLowerCase()).append(": ").append(e.getValue()).append('\n'));
                    text(ctx, b.toString(), keepAlive);
                }
                case "/sha256" -> text(ctx, HexFormat.of().formatHex(digest.digest()) + " " + bytes + "\n", keepAlive);
                case "/bytes" -> {
                    long size = Long.parseLong(p.get("size").get(0));
                    long seed = p.containsKey("seed") ? Long.parseLong(p.get("seed").get(0)) : 1;
                    boolean chunked = p.containsKey("chunked");
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                    if (chunked) {
                        HttpUtil.setTransferEncodingChunked(head, true);
                    } else {
                        HttpUtil.setContentLength(head, size);
                    }
                    ctx.write(head);
                    PatternInput in = new PatternInput(size, seed);
                    var f = ctx.writeAndFlush(chunked ? new HttpChunkedInput(in) : in);
                    if (!chunked) {
                        f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                    if (!keepAlive) {
                        f.addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case "/sse" -> {
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
                    HttpUtil.setTransferEncodingChunked(head, true);
                    ctx.writeAndFlush(head);
                    long[] n = {0};
                    ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                            Unpooled.copiedBuffer("data: tick " + (n[0]++) + "\n\n", StandardCharsets.UTF_8))),
                            0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
                default -> {
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
                    HttpUtil.setContentLength(r, 0);
                    ctx.writeAndFlush(r);
                }
            }
        }

        private void text(ChannelHandlerContext ctx, String s, boolean keepAlive) {
            ByteBuf body = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            HttpUtil.setContentLength(r, body.readableBytes());
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Generates the pattern in 64 KiB pieces as the socket can take them (ChunkedWriteHandler pulls). */
    private static final class PatternInput implements ChunkedInput<ByteBuf> {
        private final long size;
        private final long seed;
        private long offset;

        PatternInput(long size, long seed) {
            this.size = size;
            this.seed = seed;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= size;
        }

        @Override
        public void close() {
        }

        @Override
        @Deprecated
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator alloc) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(65536, size - offset);
            ByteBuf b = Unpooled.wrappedBuffer(pattern(offset, n, seed));
            offset += n;
            return b;
        }

        @Override
        public long length() {
            return size;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
