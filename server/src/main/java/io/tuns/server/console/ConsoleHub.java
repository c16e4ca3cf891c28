package io.tuns.server.console;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.inspect.Subscription;
import io.tuns.server.metrics.Metrics;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Attaches console viewers to tunnels' live streams, within {@code maxViewersPerTunnel} and {@code maxViewers}.
 *
 * <p>Transport: Server-Sent Events on the request's own connection. The core's handler stays in the pipeline and does
 * not write while the stream is open; we add no handler and remove none. Each viewer channel gets a 32/64 KiB
 * write-buffer water mark, which is the most a viewer can ever cost.
 */
final class ConsoleHub {

    static final int VIEWER_LOW_WATER_BYTES = 32 * 1024;
    static final int VIEWER_HIGH_WATER_BYTES = 64 * 1024;

    private final Inspector inspector;
    private final int maxViewersPerTunnel;
    private final int maxViewers;
    private final Metrics metrics;
    private final Function<Exchange, String> summaryJson;
    private final long pingIntervalMillis;
    private final long stallTimeoutNanos;
    private final AtomicInteger viewers = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> viewersByTunnel = new ConcurrentHashMap<>();

    ConsoleHub(Inspector inspector, int maxViewersPerTunnel, int maxViewers, Metrics metrics,
               Function<Exchange, String> summaryJson, long pingIntervalMillis, long stallTimeoutMillis) {
        this.inspector = inspector;
        this.maxViewersPerTunnel = maxViewersPerTunnel;
        this.maxViewers = maxViewers;
        this.metrics = metrics;
        this.summaryJson = summaryJson;
        this.pingIntervalMillis = pingIntervalMillis;
        this.stallTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(stallTimeoutMillis);
        metrics.consoleViewers(viewers::get);
    }

    int viewers() {
        return viewers.get();
    }

    /**
     * Starts an SSE stream for {@code host} on this connection. Returns false (having written nothing) when a viewer
     * cap is reached, so the caller can answer 429.
     */
    boolean attach(ChannelHandlerContext ctx, String host) {
        if (!reserve(host)) {
            return false;
        }
        ctx.channel().config().setWriteBufferWaterMark(
                new WriteBufferWaterMark(VIEWER_LOW_WATER_BYTES, VIEWER_HIGH_WATER_BYTES));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        Replies.head(head);
        ctx.write(head);
        // Subscribe before "hello" goes out: the page re-reads history on hello, so nothing falls in between.
        // Events from other threads reach this channel as tasks queued behind this one, so after the head.
        Viewer viewer = new Viewer(ctx, summaryJson, metrics::consoleEventsDropped, stallTimeoutNanos);
        Subscription subscription = inspector.subscribe(host, viewer);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(
                "retry: 3000\n\n" + Viewer.frame("hello", "{}", null), StandardCharsets.UTF_8)));
        ScheduledFuture<?> pinger = ctx.executor().scheduleAtFixedRate(viewer::ping, pingIntervalMillis,
                pingIntervalMillis, TimeUnit.MILLISECONDS);
        viewer.pinger(pinger);
        ctx.channel().closeFuture().addListener(f -> {
            subscription.close();
            viewer.cancelPinger();
            release(host);
        });
        return true;
    }

    private boolean reserve(String host) {
        if (viewers.incrementAndGet() > maxViewers) {
            viewers.decrementAndGet();
            return false;
        }
        boolean[] admitted = {false};
        viewersByTunnel.compute(host, (h, n) -> {
            int current = n == null ? 0 : n;
            admitted[0] = current < maxViewersPerTunnel;
            return admitted[0] ? current + 1 : n;
        });
        if (!admitted[0]) {
            viewers.decrementAndGet();
        }
        return admitted[0];
    }

    private void release(String host) {
        viewers.decrementAndGet();
        viewersByTunnel.computeIfPresent(host, (h, n) -> n <= 1 ? null : n - 1);
    }
}
