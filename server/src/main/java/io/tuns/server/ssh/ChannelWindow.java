package io.tuns.server.ssh;

import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.memory.WindowWaiters;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The SSH window one forwarded channel holds in the memory budget, kept in step with the budget's level while
 * the channel is busy. The channel opens with {@code max} reserved (MINA's local window). Each time the sink has
 * written bytes onward, their window is returned to the ssh client only as far as {@link MemoryBudget#busyWindow}
 * allows now; the rest is withheld, and withheld window is not held memory (the client cannot send it), so it
 * leaves the budget. When the budget is full every written byte is withheld: the channel pauses. Withheld window
 * goes back to the client, reserved again, by a later write or by {@link #regrant} once the level has fallen.
 * Bytes already granted are never taken back, so a transfer only slows; nothing is dropped. A channel withholding
 * all of its window (all but less than a packet) is paused and waits in line ({@link WindowWaiters}); while anyone waits before it, a channel
 * takes no window itself, so paused channels resume in turn instead of starving behind busy ones.
 * <p>
 * Invariant: the budget holds {@code max − withheld} for this channel until {@link #close}, then nothing.
 */
final class ChannelWindow implements WindowWaiters.Waiter {

    /** An SSH data packet: a channel granted less than this is as good as paused (see {@link #starved}). */
    static final long PACKET = 32 * 1024;

    private final MemoryBudget memory;
    private final long max;
    private long withheld; // guarded by this
    private boolean closed; // guarded by this
    private final Consumer<ChannelWindow> whenWithholding;
    private volatile LongConsumer toClient = n -> { };

    /**
     * @param max              the window reserved for the channel at open (that reservation is held already)
     * @param whenWithholding  told (outside the lock) each time window stays withheld, so that someone calls
     *                         {@link #regrant} later: a paused channel receives nothing that would call it
     */
    ChannelWindow(MemoryBudget memory, long max, Consumer<ChannelWindow> whenWithholding) {
        this.memory = memory;
        this.max = max;
        this.whenWithholding = whenWithholding;
    }

    /** Where returned window goes: the channel's local window (which sends WINDOW_ADJUST). */
    void attach(LongConsumer returnToClient) {
        this.toClient = returnToClient;
    }

    /** The sink has written {@code bytes} onward: returns their window, or withholds what the budget cannot hold. */
    void written(long bytes) {
        give(bytes);
    }

    /** Returns withheld window the budget has room for again; true while some is still withheld. */
    boolean regrant() {
        give(0);
        synchronized (this) {
            return withheld > 0;
        }
    }

    /** For {@link WindowWaiters}: takes window if there is room; true while still paused. */
    @Override
    public boolean resume() {
        give(0);
        synchronized (this) {
            return !closed && starved();
        }
    }

    /**
     * Holds less than a packet of window: paused, for all the client can tell. MINA passes returned window on to
     * the client only once more than 16 KiB has gathered (LocalWindow.release), so a channel that holds a few KiB
     * by our books may hold none at the client, and it receives nothing that would return more: without a place
     * in the line it would wait until the level falls (issue #18: downloads stalled 60 s and nginx cut them).
     */
    private boolean starved() { // guarded by this
        return withheld > max - Math.min(PACKET, max / 2);
    }

    /**
     * For {@link WindowWaiters}: takes up to {@code bytes} of window another channel gave up, already reserved in
     * the budget, as far as the level lets this channel hold; returns how many it took.
     */
    @Override
    public long take(long bytes) {
        long took;
        synchronized (this) {
            if (closed) {
                return 0;
            }
            took = Math.min(bytes, Math.max(0, withheld - (max - memory.busyWindow(max))));
            withheld -= took;
            if (!starved()) {
                memory.windowWaiters().remove(this);
            }
        }
        if (took > 0) {
            toClient.accept(took);
        }
        return took;
    }

    private void give(long written) {
        long back;
        long handOff = 0;
        boolean withholding;
        synchronized (this) {
            if (closed) {
                return; // the reservation is already given back; a closed channel's window is moot
            }
            long pool = withheld + written;
            WindowWaiters waiters = memory.windowWaiters();
            if (waiters.anyoneBefore(this)) {
                // a paused channel waits before us: our written bytes are its turn, not ours; they stay reserved
                // and move to it below (outside our lock), so a full budget still rotates between channels
                back = 0;
                handOff = written;
            } else {
                back = Math.max(0, pool - (max - memory.busyWindow(max)));
                if (back > written && !memory.tryReserveForOpenChannel(back - written)) {
                    back = written; // no room to grow again yet: keep what is withheld
                } else if (back < written) {
                    memory.release(MemoryBudget.Kind.SSH_WINDOW, written - back);
                }
            }
            withheld = pool - back;
            withholding = withheld > 0;
            if (starved()) {
                waiters.add(this); // paused: in line for room (keeps its place if already in it)
            } else {
                waiters.remove(this);
            }
        }
        if (handOff > 0) {
            long left = memory.windowWaiters().handOff(handOff);
            if (left > 0) {
                memory.release(MemoryBudget.Kind.SSH_WINDOW, left); // nobody could hold it: shrink
            }
        }
        if (back > 0) {
            toClient.accept(back); // outside the lock: it may write a WINDOW_ADJUST
        }
        if (withholding) {
            whenWithholding.accept(this);
        }
    }

    /** Gives back what the channel holds in the budget, once; later calls (and writes) change nothing. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            memory.release(MemoryBudget.Kind.SSH_WINDOW, max - withheld);
            withheld = 0;
            memory.windowWaiters().remove(this); // a closed channel must not hold the line
        }
    }

    /** Bytes this channel holds in the budget now. */
    synchronized long reserved() {
        return closed ? 0 : max - withheld;
    }

    synchronized long withheld() {
        return withheld;
    }
}
