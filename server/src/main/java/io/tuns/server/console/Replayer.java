package io.tuns.server.console;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tuns.server.inspect.HeaderField;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends a replayed request to tuns' own HTTP listener with the tunnel's Host, so it takes the same path as a real
 * one (routing, the tunnel, capture). Keeps at most {@code maxResponseBytes} of the answer, allows at most
 * {@code maxConcurrentReplays} at once, and gives up after {@code timeout}. Uses its own one-thread event loop,
 * created on first use, so it does not depend on the transport the core picked.
 */
final class Replayer implements AutoCloseable {

    record Result(int status, String reason, String protocol, List<HeaderField> headers, byte[] body,
                  long observedBytes, long durationNanos) { }

    static final class BusyException extends RuntimeException {
        BusyException() {
            super("too many replays in flight; try again in a moment", null, false, false);
        }
    }

    private final long maxResponseBytes;
    private final Duration timeout;
    private final int maxConcurrentReplays;
    private final AtomicInteger inFlight = new AtomicInteger();
    private EventLoopGroup group; // guarded by this
    private boolean closed;        // guarded by this

    Replayer(long maxResponseBytes, Duration timeout, int maxConcurrentReplays) {
        this.maxResponseBytes = maxResponseBytes;
        this.timeout = timeout;
        this.maxConcurrentReplays = maxConcurrentReplays;
    }

    /** Takes ownership of {@code request} (released once written or on failure). */
    CompletableFuture<Result> send(InetSocketAddress target, FullHttpRequest request) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        if (inFlight.incrementAndGet() > maxConcurrentReplays) {
            inFlight.decrementAndGet();
            request.release();
            result.completeExceptionally(new BusyException());
            return result;
        }
        result.whenComplete((r, e) -> inFlight.decrementAndGet());
        EventLoopGroup loop;
        try {
            loop = group();
        } catch (IllegalStateException e) {
            request.release();
            result.completeExceptionally(e);
            return result;
        }
        long start = System.nanoTime();
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 10_000))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(4096, 32768, 65536));
                        ch.pipeline().addLast(new ResponseCollector(result, start));
                    }
                });
        b.connect(loopbackIfWildcard(target)).addListener(f -> {
            if (!f.isSuccess()) {
                request.release();
                result.completeExceptionally(f.cause());
                return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            ch.eventLoop().schedule(() -> {
                if (result.completeExceptionally(new TimeoutException("no complete answer within " + timeout))) {
                    ch.close();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            ch.writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    result.completeExceptionally(w.cause());
                    ch.close();
                }
            });
        });
        return result;
    }

    private synchronized EventLoopGroup group() {
        if (closed) {
            throw new IllegalStateException("the console is shutting down");
        }
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tuns-console-replay", true),
                    NioIoHandler.newFactory());
        }
        return group;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    static InetSocketAddress loopbackIfWildcard(InetSocketAddress a) {
        InetAddress addr = a.getAddress();
        if (addr == null || addr.isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), a.getPort());
        }
        return a;
    }

    /** Keeps the head of the answer and counts the rest; completes at the end of the response or of the connection. */
    private final class ResponseCollector extends SimpleChannelInboundHandler<HttpObject> {
        private final CompletableFuture<Result> result;
        private final long start;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private HttpResponse head;
        private long observedBytes;

        ResponseCollector(CompletableFuture<Result> result, long start) {
            this.result = result;
            this.start = start;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                if (r.status().code() / 100 == 1 && r.status().code() != 101) {
                    return; // 100 Continue and friends: the real answer follows
                }
                head = r;
            }
            if (msg instanceof HttpContent c) {
                ByteBuf content = c.content();
                int n = content.readableBytes();
                observedBytes += n;
                int keep = (int) Math.min(n, maxResponseBytes - body.size());
                if (keep > 0) {
                    byte[] bytes = new byte[keep];
                    content.getBytes(content.readerIndex(), bytes);
                    body.write(bytes, 0, keep);
                }
                if (msg instanceof LastHttpContent && head != null) {
                    finish();
                    ctx.close();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (head != null) {
                finish(); // a close-delimited body ends here
            } else {
                result.completeExceptionally(new IllegalStateException("connection closed before a response"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }

        private void finish() {
            List<HeaderField> headers = new ArrayList<>();
            for (Map.Entry<String, String> h : head.headers()) {
                headers.add(new HeaderField(h.getKey(), h.getValue()));
            }
            result.complete(new Result(head.status().code(), head.status().reasonPhrase(),
                    head.protocolVersion().text(), List.copyOf(headers), body.toByteArray(), observedBytes,
                    System.nanoTime() - start));
        }
    }
}
