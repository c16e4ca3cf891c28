package io.tuns.server.memory;

import java.util.LinkedHashMap;

/**
 * Channels whose SSH window is withheld entirely (paused by a full budget), server-wide, oldest first. Without an
 * order, a channel that keeps moving keeps its own window (its written bytes go straight back to it), while a
 * paused one waits for room the moving ones never leave: behind 200 others it could wait over a minute, and the
 * service behind the tunnel gives up on the visitor (nginx's send_timeout is 60 s). So while anyone waits,
 * nobody else takes window: a moving channel hands the window of the bytes it has written to the first waiters
 * ({@link #handOff}; it stays reserved, so this works with the budget past its ceiling too) and, once paused,
 * queues up itself; room freed elsewhere goes to the waiters in the order they paused. Every channel moves in turn.
 * <p>
 * A turn is at most a fair share ({@link #turn}): the first in line takes no more than the budget divided among
 * those waiting, so one channel with a large window cannot take all the room the rest wait for.
 * <p>
 * Bound: one entry per paused channel, so at most the forwarded channels open. Thread-safe.
 */
public final class WindowWaiters {

    /** A paused channel. */
    public interface Waiter {
        /** Takes window if the budget has room for it now; true while still paused (nothing granted). */
        boolean resume();

        /**
         * Takes up to {@code bytes} of window that another channel gave up (still reserved in the budget), as much
         * as the level lets it hold; returns how many it took. Leaves the line once it holds any.
         */
        long take(long bytes);
    }

    /** The least a turn grants: two SSH packets, so the channel is no longer starved and its transfer moves. */
    static final long MIN_TURN_BYTES = MemoryBudget.MIN_WINDOW_BYTES;

    /** Each waiter and when it joined (System.nanoTime), oldest first. */
    private final LinkedHashMap<Waiter, Long> queue = new LinkedHashMap<>(); // guarded by this
    private volatile int size; // so that the check on every write takes no lock while nobody waits

    /** {@code w} is paused; joins the end of the line (keeps its place if it is in it already). */
    public void add(Waiter w) {
        add(w, System.nanoTime());
    }

    synchronized void add(Waiter w, long nowNanos) {
        queue.putIfAbsent(w, nowNanos);
        size = queue.size();
    }

    /** How long the first in line has waited, ms; 0 when nobody waits. */
    public long oldestWaitMillis() {
        return oldestWaitMillis(System.nanoTime());
    }

    synchronized long oldestWaitMillis(long nowNanos) {
        if (queue.isEmpty()) {
            return 0;
        }
        return Math.max(0, (nowNanos - queue.values().iterator().next()) / 1_000_000);
    }

    /**
     * The most window the first in line may take in one turn while {@code waiting} channels wait: the budget shared
     * among them, never less than {@link #MIN_TURN_BYTES}. Pure.
     */
    public static long turn(long limit, int waiting) {
        return Math.max(MIN_TURN_BYTES, limit / Math.max(1, waiting));
    }

    /** {@code w} is no longer paused or is gone. */
    public synchronized void remove(Waiter w) {
        queue.remove(w);
        size = queue.size();
    }

    /** True when another channel waits before {@code w}: {@code w} must not take window now. */
    public boolean anyoneBefore(Waiter w) {
        if (size == 0) {
            return false;
        }
        synchronized (this) {
            return !queue.isEmpty() && queue.keySet().iterator().next() != w;
        }
    }

    public int size() {
        return size;
    }

    /**
     * Offers room to the waiters oldest first, and stops at the first one still paused: a younger one must not
     * overtake it. A waiter that resumes leaves the line itself ({@link #remove}); one that says it resumed but is
     * still first (closed meanwhile) is taken out here, so the loop always ends. Called by a timer and after
     * bytes were given back; concurrent calls are harmless (each grant is one reservation of the budget).
     *
     * @return how many resumed
     */
    public int resumeInOrder() {
        int resumed = 0;
        while (true) {
            Waiter head = first();
            if (head == null || head.resume()) { // outside the lock: resume may send a WINDOW_ADJUST
                return resumed;
            }
            resumed++;
            synchronized (this) {
                if (!queue.isEmpty() && queue.keySet().iterator().next() == head) {
                    remove(head);
                }
            }
        }
    }

    /**
     * A moving channel's turn passes on: {@code bytes} of window it gave up, still reserved in the budget, go to
     * the waiters oldest first. Returns what none of them took; the caller releases it from the budget.
     */
    public long handOff(long bytes) {
        while (bytes > 0) {
            Waiter head = first();
            if (head == null) {
                return bytes;
            }
            long took = head.take(bytes); // outside the lock: take may send a WINDOW_ADJUST
            if (took == 0) {
                return bytes; // the level lets the first hold nothing (budget full): nobody after it either
            }
            bytes -= took;
        }
        return 0;
    }

    private synchronized Waiter first() {
        return queue.isEmpty() ? null : queue.keySet().iterator().next();
    }
}
