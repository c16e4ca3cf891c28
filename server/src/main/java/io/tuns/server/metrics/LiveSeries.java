package io.tuns.server.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauge series that exist only while something holds them open, so closed connections and tunnels
 * leave no stale series behind. Holders are counted: a duplicate open or a close without an open
 * (the server closes in a finally block) never drives a value or a total below what is really open.
 */
final class LiveSeries {
    private final Gauge gauge;
    private final boolean valueIsHolderCount;
    private final ConcurrentHashMap<List<String>, Integer> holders = new ConcurrentHashMap<>();

    /**
     * @param valueIsHolderCount true: the series value is the number of holders (1 for one tunnel);
     *                           false: the value given at the first open is kept (a start time)
     */
    LiveSeries(Gauge gauge, boolean valueIsHolderCount) {
        this.gauge = gauge;
        this.valueIsHolderCount = valueIsHolderCount;
    }

    void open(double valueAtFirstOpen, String... labelValues) {
        // compute() serialises open/close of one label set, so a removal never races a re-creation.
        holders.compute(List.of(labelValues), (key, count) -> {
            int held = count == null ? 1 : count + 1;
            if (valueIsHolderCount) {
                gauge.labelValues(labelValues).set(held);
            } else if (held == 1) {
                gauge.labelValues(labelValues).set(valueAtFirstOpen);
            }
            return held;
        });
    }

    /** @return true when a holder was released, false when nothing with these labels was open */
    boolean close(String... labelValues) {
        boolean[] released = {false};
        holders.computeIfPresent(List.of(labelValues), (key, count) -> {
            released[0] = true;
            int held = count - 1;
            if (held == 0) {
                gauge.remove(labelValues);
                return null;
            }
            if (valueIsHolderCount) {
                gauge.labelValues(labelValues).set(held);
            }
            return held;
        });
        return released[0];
    }
}
