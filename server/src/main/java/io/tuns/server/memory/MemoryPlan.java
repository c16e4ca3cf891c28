package io.tuns.server.memory;

import io.tuns.server.config.MemoryBudgetSetting;
import io.tuns.server.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The start-up decision: how large the budget is, and how the configured bounds compare with it. Pure: the
 * heap figures are passed in ({@code Runtime.maxMemory()}, which follows the cgroup limit, and the heap in use
 * once the server is wired), so every case is a table row in the test.
 */
public record MemoryPlan(long maxHeap, long baseline, long budget, boolean enforced, long worstCase,
                         String warning) {

    /** Heap tuns needs with no traffic (classes, routing table, Netty and MINA): the floor under the baseline. */
    static final long MIN_BASELINE = 32L << 20;
    /** An auto budget is never smaller than this (a tiny -Xmx still serves a few channels at reduced windows). */
    static final long MIN_AUTO_BUDGET = 8L << 20;

    /** The configured bounds that add up to the worst case; one record, not the whole config. */
    public record Bounds(int channels, long window, long highWater, long captureTotal, long rendered) {

        public static Bounds of(ServerConfig c) {
            boolean capture = c.serviceConsole() || c.adminConsole();
            return new Bounds(c.maxForwardedChannels(), c.sshWindowSize(), c.sshWriteHighWater(),
                    capture ? c.inspectMaxTotalBytes() : 0, capture ? c.inspectMaxRenderedBytes() : 0);
        }

        /** Every channel with a full window one way and a full queue the other, all captures, one render. */
        long worstCase() {
            return sat(sat((long) channels * sat(window + highWater) + captureTotal) + rendered);
        }
    }

    /**
     * Auto: half of what the heap leaves above the baseline. The other half is the room garbage needs: every
     * byte relayed is copied at least once on its way (MINA's buffer, our queue, Netty's), and G1 needs free
     * regions to collect without a full GC.
     */
    public static MemoryPlan of(MemoryBudgetSetting setting, long maxHeap, long usedAtStart, Bounds bounds) {
        long baseline = Math.max(MIN_BASELINE, usedAtStart);
        long worst = bounds.worstCase();
        return switch (setting.mode()) {
            case OFF -> new MemoryPlan(maxHeap, baseline, Long.MAX_VALUE, false, worst,
                    worst > maxHeap - baseline ? "--memory-budget=off and the configured bounds allow "
                            + Sizes.human(worst) + ", more than the " + Sizes.human(maxHeap)
                            + " heap: a busy server can run out of memory. Remove --memory-budget=off or lower "
                            + flagsToLower(bounds) : null);
            case FIXED -> plan(maxHeap, baseline, setting.bytes(), worst, bounds,
                    setting.bytes() > maxHeap - baseline ? "--memory-budget " + Sizes.human(setting.bytes())
                            + " is more than the " + Sizes.human(maxHeap) + " heap leaves above its "
                            + Sizes.human(baseline) + " baseline: the governor cannot prevent an OutOfMemoryError."
                            + " Lower --memory-budget or raise -Xmx." : null);
            case AUTO -> plan(maxHeap, baseline, Math.max(MIN_AUTO_BUDGET, (maxHeap - baseline) / 2), worst,
                    bounds, null);
        };
    }

    private static MemoryPlan plan(long maxHeap, long baseline, long budget, long worst, Bounds bounds,
                                   String budgetWarning) {
        String warning = budgetWarning;
        if (warning == null && worst > budget) {
            warning = "the configured bounds allow " + Sizes.human(worst) + ", more than the "
                    + Sizes.human(budget) + " memory budget: under load windows will shrink and new connections"
                    + " get 503. To stay clear of it, lower " + flagsToLower(bounds);
        }
        return new MemoryPlan(maxHeap, baseline, budget, true, worst, warning);
    }

    /** The flags whose bounds are largest, the largest first. */
    static String flagsToLower(Bounds b) {
        record Part(String flags, long bytes) {
        }
        List<Part> parts = new ArrayList<>(List.of(
                new Part("--max-forwarded-channels or --ssh-window-size", sat((long) b.channels() * b.window())),
                new Part("--ssh-write-high-water", sat((long) b.channels() * b.highWater())),
                new Part("--inspect-max-total-bytes", b.captureTotal())));
        parts.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
        List<String> names = new ArrayList<>();
        for (Part p : parts) {
            if (p.bytes() > 0) {
                names.add(p.flags() + " (" + Sizes.human(p.bytes()) + ")");
            }
        }
        return String.join(", ", names) + ".";
    }

    public MemoryBudget newBudget() {
        return enforced ? MemoryBudget.of(budget) : MemoryBudget.off();
    }

    /** The start-up line's fields. */
    public String describe() {
        return "heap=\"" + Sizes.human(maxHeap) + "\" baseline=\"" + Sizes.human(baseline) + "\" budget=\""
                + (enforced ? Sizes.human(budget) : "off") + "\" worst_case=\"" + Sizes.human(worstCase) + "\"";
    }

    private static long sat(long v) {
        return v < 0 ? Long.MAX_VALUE : v;
    }
}
