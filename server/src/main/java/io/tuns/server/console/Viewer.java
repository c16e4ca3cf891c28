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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * One browser on the live stream (Server-Sent Events). Changes are coalesced: the exchanges touched since the last
 * flush (at most {@link #MAX_PENDING}) are sent every {@link #FLUSH_INTERVAL_MILLIS} as one "exchanges" event with
 * their latest summaries, so a burst of requests costs the browser ten small tasks a second, not three per request.
 * Nothing else is queued: when the socket is not writable at a flush (outbound buffer above the 64 KiB high-water
 * mark), or more exchanges changed than the bound, they are dropped and counted, and the next time it is writable it
 * gets a "gap" event with the count so the page can re-read the history. A viewer that stays unwritable longer than
 * {@code stallTimeoutNanos} is closed; a periodic ping finds dead ones.
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

    /** Exchanges changed since the last flush; the summaries are rendered at flush time, so each is sent once. */
    static final int MAX_PENDING = 1024;
    static final long FLUSH_INTERVAL_MILLIS = 100;
    private final ConcurrentHashMap<Long, Exchange> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();

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

    /** Called on proxy event loops: marks the exchange for the next flush, or drops it beyond the bound. */
    @Override
    public void exchange(Exchange exchange, Event event) {
        if (!channel.isActive()) {
            return;
        }
        if (pending.size() >= MAX_PENDING && !pending.containsKey(exchange.id())) {
            drop(1);
            return;
        }
        pending.put(exchange.id(), exchange);
        if (flushScheduled.compareAndSet(false, true)) {
            ctx.executor().schedule(this::flush, FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** On the viewer's event loop: one frame with the latest summary of every exchange changed since the last one. */
    void flush() {
        flushScheduled.set(false);
        if (pending.isEmpty() || !channel.isActive()) {
            return;
        }
        List<Long> ids = new ArrayList<>(pending.keySet());
        Collections.sort(ids);
        if (!channel.isWritable()) {
            int n = 0;
            for (Long id : ids) {
                n += pending.remove(id) != null ? 1 : 0;
            }
            drop(n);
            return;
        }
        sendGapIfAny();
        StringBuilder json = new StringBuilder(ids.size() * 400).append("{\"exchanges\":[");
        for (Long id : ids) {
            Exchange e = pending.remove(id);
            if (e != null) {
                json.append(json.charAt(json.length() - 1) == '[' ? "" : ",").append(summaryJson.apply(e));
            }
        }
        write(frame("exchanges", json.append("]}").toString(), Long.toString(ids.get(ids.size() - 1))));
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

    private void drop(int n) {
        if (n <= 0) {
            return;
        }
        droppedSinceLastGap.addAndGet(n);
        totalDropped.addAndGet(n);
        droppedCounter.accept(n);
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
