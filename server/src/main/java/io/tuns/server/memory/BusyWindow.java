package io.tuns.server.memory;

/**
 * How much SSH window a channel already open may keep granted, from the budget's level: the window it was opened
 * with below the pressure mark; from there down in a straight line to a floor at the new-channel ceiling (two SSH
 * packets, so a transfer keeps moving); nothing at all once the budget is full (the channel pauses until use
 * falls). Pure: the figures are passed in, so every level is a table row in the test.
 */
public final class BusyWindow {

    private BusyWindow() {
    }

    /**
     * @param inUse  bytes the budget holds now
     * @param limit  the budget
     * @param window the window the channel was opened with (its most)
     * @return the window to keep granted, 0 ≤ result ≤ {@code window}
     */
    public static long target(long inUse, long limit, long window) {
        long pressure = MemoryBudget.percentOf(limit, MemoryBudget.PRESSURE_PERCENT);
        long ceiling = MemoryBudget.percentOf(limit, MemoryBudget.NEW_CHANNEL_CEILING_PERCENT);
        long floor = Math.min(window, MemoryBudget.MIN_WINDOW_BYTES);
        if (inUse < pressure) {
            return window;
        }
        if (inUse >= limit) {
            return 0;
        }
        if (inUse >= ceiling) {
            return floor;
        }
        // straight line from window at the pressure mark to floor at the ceiling; doubles: no overflow
        double left = (double) (ceiling - inUse) / (ceiling - pressure);
        return floor + (long) ((window - floor) * left);
    }
}
