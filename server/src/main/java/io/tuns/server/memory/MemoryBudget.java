package io.tuns.server.memory;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One byte budget for everything tuns holds on behalf of traffic ({@code --memory-budget}). Pure accounting:
 * callers reserve before they hold and release when they let go; nothing here allocates, blocks or knows Netty or
 * MINA. Each kind may only take bytes while the total stays under its own ceiling, so as the budget fills the
 * kinds give way in a fixed order: capture first (at {@value #CAPTURE_CEILING_PERCENT} %), then console renders,
 * then new channels; queued writes are bytes that already exist, so they are counted whatever the total
 * ({@link #reserve}) and the callers pause their reads under {@linkplain #underPressure() pressure} instead.
 * Thread-safe: the total is one CAS loop, so two reservations cannot both squeeze under a ceiling.
 */
public final class MemoryBudget {

    /** What the bytes are held for; the label is the metric's {@code kind}. */
    public enum Kind {
        /** SSH window granted to a forwarded channel: bytes the ssh client may send before we return window. */
        SSH_WINDOW,
        /**
         * Bytes read from a visitor (or another ssh channel) queued towards an ssh client; and bytes a hop connection
         * read from the owner node, not yet written on to the visitor (the hop's read-ahead).
         */
        QUEUED_WRITES,
        /** Captured request/response bytes (inspection). */
        CAPTURE,
        /** A body being decoded for a console viewer. */
        CONSOLE_RENDER,
        /** Netty's own buffers (codec, TLS), sampled: observed, never reserved. */
        NETTY_BUFFERS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Ceilings, in percent of the budget, a kind's reservation may not take the total above. */
    static final int CAPTURE_CEILING_PERCENT = 50;
    static final int RENDER_CEILING_PERCENT = 70;
    static final int NEW_CHANNEL_CEILING_PERCENT = 90;
    /** From here new channels get a smaller window and readers pause at their low-water mark. */
    static final int PRESSURE_PERCENT = 60;
    /** The smallest window a new channel is granted: two SSH packets, so a transfer still moves. */
    public static final long MIN_WINDOW_BYTES = 64 * 1024;

    private final long limit;
    private final boolean enforced;
    private final AtomicLong total = new AtomicLong();
    private final AtomicLongArray byKind = new AtomicLongArray(Kind.values().length);
    private final AtomicLongArray refusals = new AtomicLongArray(Kind.values().length);
    private final AtomicLong accountingErrors = new AtomicLong();
    private final WindowWaiters windowWaiters = new WindowWaiters();

    private MemoryBudget(long limit, boolean enforced) {
        this.limit = limit;
        this.enforced = enforced;
    }

    /** A budget of {@code limitBytes} that refuses and pressures. */
    public static MemoryBudget of(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limitBytes must be > 0, was " + limitBytes);
        }
        return new MemoryBudget(limitBytes, true);
    }

    /** {@code --memory-budget=off}: counts, never refuses, never pressures (the behaviour before the governor). */
    public static MemoryBudget off() {
        return new MemoryBudget(Long.MAX_VALUE, false);
    }

    public boolean enforced() {
        return enforced;
    }

    /** The budget in bytes; {@link Long#MAX_VALUE} when off. */
    public long limit() {
        return limit;
    }

    /**
     * Takes {@code bytes} for {@code kind} if the total stays under the kind's ceiling; else takes nothing, counts
     * a refusal and returns false. Every true must be matched by a {@link #release} of the same bytes.
     */
    public boolean tryReserve(Kind kind, long bytes) {
        return tryReserveUpTo(kind, bytes, ceiling(kind));
    }

    private boolean tryReserveUpTo(Kind kind, long bytes, long ceiling) {
        check(bytes);
        while (true) {
            long now = total.get();
            long next = now + bytes;
            if (enforced && (next > ceiling || next < 0)) {
                refusals.incrementAndGet(kind.ordinal());
                return false;
            }
            if (total.compareAndSet(now, next)) {
                byKind.addAndGet(kind.ordinal(), bytes);
                return true;
            }
        }
    }

    /**
     * Window for a channel already open (a paused transfer resuming): like {@link #tryReserve} for
     * {@link Kind#SSH_WINDOW}, but up to the whole budget, not the new-channel ceiling. New channels are refused
     * from the ceiling so that the transfers already running keep the room above it and go on, slower.
     */
    public boolean tryReserveForOpenChannel(long bytes) {
        return tryReserveUpTo(Kind.SSH_WINDOW, bytes, limit);
    }

    /** Counts bytes that are already held (received, queued): never refused, may take the total past the limit. */
    public void reserve(Kind kind, long bytes) {
        check(bytes);
        total.addAndGet(bytes);
        byKind.addAndGet(kind.ordinal(), bytes);
    }

    /**
     * Gives back bytes reserved for {@code kind}. Giving back more than the kind holds is a bug: the excess is
     * ignored (the budget must never grow from it) and counted in {@link #accountingErrors()}, which tests check.
     */
    public void release(Kind kind, long bytes) {
        check(bytes);
        if (bytes == 0) {
            return;
        }
        int i = kind.ordinal();
        while (true) {
            long held = byKind.get(i);
            long taken = Math.min(held, bytes);
            if (byKind.compareAndSet(i, held, held - taken)) {
                total.addAndGet(-taken);
                if (taken < bytes) {
                    accountingErrors.incrementAndGet();
                }
                return;
            }
        }
    }

    /** Sets an observed kind (Netty's buffers) to its latest sample. */
    public void observe(Kind kind, long bytes) {
        check(bytes);
        long before = byKind.getAndSet(kind.ordinal(), bytes);
        total.addAndGet(bytes - before);
    }

    public long inUse() {
        return total.get();
    }

    public long inUse(Kind kind) {
        return byKind.get(kind.ordinal());
    }

    public long refusals(Kind kind) {
        return refusals.get(kind.ordinal());
    }

    /** Reservations refused, all kinds. */
    public long refusals() {
        long n = 0;
        for (Kind k : Kind.values()) {
            n += refusals.get(k.ordinal());
        }
        return n;
    }

    /** Channels paused for window, in the order they get room again. */
    public WindowWaiters windowWaiters() {
        return windowWaiters;
    }

    public long accountingErrors() {
        return accountingErrors.get();
    }

    /** In use by kind, for logs and the console. */
    public Map<Kind, Long> snapshot() {
        Map<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            m.put(k, byKind.get(k.ordinal()));
        }
        return m;
    }

    /** Past the pressure mark: new channels get smaller windows, producers pause at their low-water mark. */
    public boolean underPressure() {
        return enforced && total.get() >= percent(PRESSURE_PERCENT);
    }

    /**
     * The SSH window to grant a new channel: the configured one while it fits under the new-channel ceiling; under
     * pressure an eighth of what new channels may still take; never below {@link #MIN_WINDOW_BYTES} nor above the
     * configured size.
     */
    public long windowFor(long configured) {
        if (!enforced) {
            return configured;
        }
        long room = Math.max(0, percent(NEW_CHANNEL_CEILING_PERCENT) - total.get());
        return Math.min(configured, Math.max(MIN_WINDOW_BYTES, underPressure() ? room / 8 : room));
    }

    /**
     * The window a channel already open may keep granted now ({@link BusyWindow}): all of {@code window} below the
     * pressure mark, shrinking to a floor as the budget fills, 0 (paused) when it is full.
     */
    public long busyWindow(long window) {
        return enforced ? BusyWindow.target(total.get(), limit, window) : window;
    }

    /** Bytes in use above the pressure mark (0 below it, or when off): what capture gives up first. */
    public long abovePressure() {
        return enforced ? Math.max(0, total.get() - percent(PRESSURE_PERCENT)) : 0;
    }

    /** In use at or above the budget: readers stop taking bytes until use falls. */
    public boolean full() {
        return enforced && total.get() >= limit;
    }

    /** The sentence a refused visitor or ssh client reads (the reason, the figures, the flag). */
    public String refusal() {
        return "the server is short of memory (" + Sizes.human(inUse()) + " of its " + Sizes.human(limit)
                + " budget in use, --memory-budget); try again shortly";
    }

    private long ceiling(Kind kind) {
        return switch (kind) {
            case CAPTURE -> percent(CAPTURE_CEILING_PERCENT);
            case CONSOLE_RENDER -> percent(RENDER_CEILING_PERCENT);
            case SSH_WINDOW -> percent(NEW_CHANNEL_CEILING_PERCENT);
            case QUEUED_WRITES, NETTY_BUFFERS -> limit;
        };
    }

    private long percent(int p) {
        return percentOf(limit, p);
    }

    static long percentOf(long limit, int p) {
        return limit / 100 * p + limit % 100 * p / 100;
    }

    private static void check(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
    }

    @Override
    public String toString() {
        return enforced ? Sizes.human(inUse()) + " of " + Sizes.human(limit) : Sizes.human(inUse()) + " (off)";
    }
}
