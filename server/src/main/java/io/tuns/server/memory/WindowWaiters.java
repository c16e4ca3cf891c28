package io.tuns.server.memory;

import java.util.LinkedHashSet;

/**
 * Channels whose SSH window is withheld entirely (paused by a full budget), server-wide, oldest first. Without an
 * order, a channel that keeps moving keeps its own window (its written bytes go straight back to it), while a
 * paused one waits for room the moving ones never leave: behind 200 others it could wait over a minute, and the
 * service behind the tunnel gives up on the visitor (nginx's send_timeout is 60 s). So while anyone waits,
 * nobody else takes window: a moving channel hands the window of the bytes it has written to the first waiters
 * ({@link #handOff}; it stays reserved, so this works with the budget past its ceiling too) and, once paused,
 * queues up itself; room freed elsewhere goes to the waiters in the order they paused. Every channel moves in turn.
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

    private final LinkedHashSet<Waiter> queue = new LinkedHashSet<>(); // guarded by this
    private volatile int size; // so that the check on every write takes no lock while nobody waits

    /** {@code w} is paused; joins the end of the line (keeps its place if it is in it already). */
    public synchronized void add(Waiter w) {
        queue.add(w);
        size = queue.size();
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
            return !queue.isEmpty() && queue.iterator().next() != w;
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
                if (!queue.isEmpty() && queue.iterator().next() == head) {
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
        return queue.isEmpty() ? null : queue.iterator().next();
    }
}
