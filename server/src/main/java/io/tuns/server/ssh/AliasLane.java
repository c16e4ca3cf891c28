package io.tuns.server.ssh;

import io.tuns.server.memory.MemoryBudget;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.ThreadUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of an alias ({@link AliasChannel}): the bytes one side sent, written to the other side's stream in
 * order with one write in flight (MINA allows one pending async write), then that side's EOF, then its close. A
 * close arriving right behind the last bytes thus waits for them, as TCP's FIN would.
 * <p>
 * Bound: the bytes queued here are at most the sending side's SSH window, which is returned only as they are
 * written ({@code written} of each write). A close that does not drain is cut: when no write completed for
 * {@code stall}, what is queued is dropped (their {@code written} still run, so windows and budgets come back),
 * its stream is closed at once and the target closed. A failed write cuts the same way. Writes arriving after
 * the close or a cut are dropped and released at once.
 */
final class AliasLane {

    private static final Logger LOG = LoggerFactory.getLogger(AliasLane.class);

    /** What a lane ends in: the far side's channel close. */
    interface Target {
        /** Runs after the stream's graceful close completed: e.g. the channel's own SSH_MSG_CHANNEL_EOF. */
        void afterEof();

        /**
         * Closes the far side's channel. Also after a cut this is a graceful close, which sends
         * SSH_MSG_CHANNEL_CLOSE (MINA's immediate close does not, and the peer's ssh would keep the channel
         * forever); nothing queued goes out any more, since the stream was closed at once before.
         */
        void close(boolean cut);
    }

    private record Item(byte[] data, Runnable written) {
    }

    private static final Item EOF = new Item(null, null);
    private static final Item CLOSE = new Item(null, null);

    private final String name;
    private final Target target;
    private final ScheduledExecutorService scheduler;
    private final Duration stall;
    private final Runnable whenDone;
    private final MemoryBudget budget; // null: the sender's window reservation outlives the close
    private long waitingBytes;         // guarded by this: bytes queued or in flight
    private long counted;              // guarded by this: of those, counted in the budget since the close
    private final ArrayDeque<Item> queue = new ArrayDeque<>(); // guarded by this; bytes ≤ the sender's window
    private IoOutputStream out;        // guarded by this; null until the target's side is open
    private boolean busy;              // guarded by this: a write or the EOF is in flight
    private boolean closing;           // guarded by this: CLOSE is queued, nothing more is taken
    private boolean done;              // guarded by this: the close went out, or the lane was cut or dropped
    private long progress;             // guarded by this: writes completed, for the stall check
    private ScheduledFuture<?> watch;  // guarded by this

    /**
     * @param stall    how long a close waits without a completed write before it is cut
     * @param whenDone runs once when the lane ends, however it ends (the sender's window reservation goes back)
     * @param budget   where the bytes still waiting at the close are counted (as queued writes) until the lane
     *                 ends, when the sender's channel closed and its window reservation went with it; or null
     */
    AliasLane(String name, Target target, ScheduledExecutorService scheduler, Duration stall, Runnable whenDone,
              MemoryBudget budget) {
        this.name = name;
        this.target = target;
        this.scheduler = scheduler;
        this.stall = stall;
        this.whenDone = whenDone;
        this.budget = budget;
    }

    /** The target's side is open: what waited goes out. */
    void attach(IoOutputStream stream) {
        synchronized (this) {
            if (done) {
                stream.close(true);
                return;
            }
            out = stream;
        }
        pump();
    }

    /** {@code written} runs exactly once: when the bytes were written, or when they were dropped. */
    void write(byte[] data, Runnable written) {
        if (!offer(new Item(data, written))) {
            written.run();
        }
    }

    /** The sender's EOF, passed on as EOF after the bytes before it. */
    void eof() {
        offer(EOF);
    }

    /** The sender's close: the target closes gracefully once the bytes (and EOF) before it went out. */
    void close() {
        synchronized (this) {
            if (closing || done) {
                return;
            }
            queue.add(CLOSE);
            closing = true;
            long at = progress;
            watch = watch(at);
            if (budget != null) {
                counted = waitingBytes;
                budget.reserve(MemoryBudget.Kind.QUEUED_WRITES, counted); // already held: never refused
            }
        }
        pump();
    }

    /** Cuts the lane when a check finds no write completed since the one before. */
    private ScheduledFuture<?> watch(long at) {
        try {
            return scheduler.scheduleWithFixedDelay(new Runnable() {
                private long seen = at;

                @Override
                public void run() {
                    synchronized (AliasLane.this) {
                        if (progress != seen) {
                            seen = progress;
                            return;
                        }
                    }
                    cut("no bytes moved for " + stall.toMillis() + " ms after the close");
                }
            }, stall.toMillis(), stall.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the server is stopping: every connection closes anyway
        }
    }

    /** The target is gone: drop what waits (releasing it) without closing anything. */
    void drop() {
        end(false, null);
    }

    /** Cuts the lane: drops what waits (releasing it), closes the stream at once, then the target. */
    void cut(String why) {
        end(true, why);
    }

    synchronized boolean isDone() {
        return done;
    }

    /** Items still queued (bytes, EOF or close); 0 once done. */
    synchronized int queued() {
        return queue.size();
    }

    private boolean offer(Item item) {
        synchronized (this) {
            if (closing || done) {
                return false;
            }
            queue.add(item);
            if (item.data != null) {
                waitingBytes += item.data.length;
            }
        }
        pump();
        return true;
    }

    private void pump() {
        Item item;
        IoOutputStream stream;
        synchronized (this) {
            if (busy || done || queue.isEmpty()) {
                return;
            }
            item = queue.peek();
            if (out == null && item != CLOSE) {
                return; // waits for attach
            }
            queue.poll();
            stream = out;
            busy = true;
        }
        if (item == CLOSE) {
            if (finish()) {
                target.close(false);
            }
            return;
        }
        if (item == EOF) {
            stream.close(false).addListener(f -> {
                if (!isDone()) { // a lane cut meanwhile sends no EOF
                    target.afterEof();
                }
                settled(true, 0);
            });
            return;
        }
        try {
            ThreadUtils.runAsInternal(() -> stream.writeBuffer(new ByteArrayBuffer(item.data)))
                    .addListener(f -> {
                        item.written.run();
                        settled(f.isWritten(), item.data.length);
                        if (!f.isWritten()) {
                            cut("a write failed: " + (f.getException() == null ? "not written"
                                    : f.getException().getMessage()));
                        }
                    });
        } catch (Exception e) {
            item.written.run();
            settled(false, item.data.length);
            cut("a write failed: " + e.getMessage());
        }
    }

    /** One item is out (or failed): the next may go. */
    private void settled(boolean ok, int bytes) {
        synchronized (this) {
            busy = false;
            waitingBytes -= bytes;
            if (ok) {
                progress++;
            }
        }
        if (ok) {
            pump();
        }
    }

    /** The close is reached: marks the lane done once; true for the caller that did. */
    private boolean finish() {
        ScheduledFuture<?> w;
        long uncount;
        synchronized (this) {
            if (done) {
                return false;
            }
            done = true;
            busy = false;
            w = watch;
            uncount = counted;
            counted = 0;
        }
        stopped(w, uncount);
        return true;
    }

    private void stopped(ScheduledFuture<?> w, long uncount) {
        if (w != null) {
            w.cancel(false);
        }
        if (uncount > 0) {
            budget.release(MemoryBudget.Kind.QUEUED_WRITES, uncount);
        }
        whenDone.run();
    }

    private void end(boolean closeTarget, String why) {
        List<Item> dropped;
        IoOutputStream stream;
        ScheduledFuture<?> w;
        long uncount;
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            dropped = List.copyOf(queue);
            queue.clear();
            stream = out;
            w = watch;
            uncount = counted;
            counted = 0;
        }
        if (why != null) {
            LOG.info("event=alias_lane_cut lane={} reason=\"{}\"", name, why);
        }
        dropped.forEach(i -> {
            if (i.written != null) {
                i.written.run();
            }
        });
        if (stream != null) {
            stream.close(true); // a write in flight fails now and runs its own release
        }
        stopped(w, uncount);
        if (closeTarget) {
            target.close(true);
        }
    }
}
