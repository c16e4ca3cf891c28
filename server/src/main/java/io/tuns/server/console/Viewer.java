package io.tuns.server.console;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.ExchangeListener;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * One browser on the live stream (Server-Sent Events). Events are never queued for it: while its socket is not
 * writable (outbound buffer above the 64 KiB high-water mark) they are dropped and counted, and the next time it is
 * writable it gets a "gap" event with the count so the page can re-read the history. A viewer that stays unwritable
 * longer than {@code stallTimeoutNanos} is closed; a periodic ping finds dead ones.
 */
final class Viewer implements ExchangeListener {

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final Function<Exchange, String> summaryJson;
    private final LongConsumer droppedCounter;
    private final long stallTimeoutNanos;
    private final AtomicLong droppedSinceLastGap = new AtomicLong();
    private final AtomicLong totalDropped = new AtomicLong();
    private volatile long lastWritableNanos = System.nanoTime();
    private volatile ScheduledFuture<?> pinger;

    Viewer(ChannelHandlerContext ctx, Function<Exchange, String> summaryJson, LongConsumer droppedCounter,
           long stallTimeoutNanos) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.summaryJson = summaryJson;
        this.droppedCounter = droppedCounter;
        this.stallTimeoutNanos = stallTimeoutNanos;
    }

    void pinger(ScheduledFuture<?> pinger) {
        this.pinger = pinger;
    }

    /** Called on proxy event loops: checks writability and either writes one small frame or drops it. */
    @Override
    public void exchange(Exchange exchange, Event event) {
        if (!channel.isActive()) {
            return;
        }
        if (!channel.isWritable()) {
            drop();
            return;
        }
        sendGapIfAny();
        write(frame("exchange", "{\"event\":\"" + event.name().toLowerCase() + "\",\"exchange\":"
                + summaryJson.apply(exchange) + "}", Long.toString(exchange.id())));
    }

    @Override
    public void tunnelClosed() {
        if (channel.isActive()) {
            ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(frame("closed", "{}", null),
                    StandardCharsets.UTF_8)));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Runs on the viewer's own event loop every ping interval. */
    void ping() {
        try {
            checkLiveness();
        } catch (RuntimeException e) {
            channel.close(); // a viewer we cannot reason about is not worth keeping
        }
    }

    private void checkLiveness() {
        if (!channel.isActive()) {
            cancelPinger();
            channel.close();
            return;
        }
        long now = System.nanoTime();
        if (channel.isWritable()) {
            lastWritableNanos = now;
            sendGapIfAny();
            write(": ping\n\n");
        } else if (now - lastWritableNanos > stallTimeoutNanos) {
            channel.close(); // stalled too long: a sleeping laptop or a dead peer
        }
    }

    void cancelPinger() {
        ScheduledFuture<?> p = pinger;
        if (p != null) {
            p.cancel(false);
        }
    }

    long totalDropped() {
        return totalDropped.get();
    }

    private void drop() {
        droppedSinceLastGap.incrementAndGet();
        totalDropped.incrementAndGet();
        droppedCounter.accept(1);
    }

    private void sendGapIfAny() {
        long missed = droppedSinceLastGap.getAndSet(0);
        if (missed > 0) {
            write(frame("gap", "{\"dropped\":" + missed + "}", null));
        }
    }

    private void write(String frame) {
        lastWritableNanos = System.nanoTime();
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8)));
    }

    /** One SSE frame; JSON never contains a raw newline, so a single data line is enough. */
    static String frame(String event, String data, String id) {
        StringBuilder s = new StringBuilder(data.length() + 48);
        if (id != null) {
            s.append("id: ").append(id).append('\n');
        }
        return s.append("event: ").append(event).append('\n').append("data: ").append(data).append("\n\n").toString();
    }
}
