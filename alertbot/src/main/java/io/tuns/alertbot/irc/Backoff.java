package io.tuns.alertbot.irc;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter: the n-th delay is uniform in [d/2, d] where d = min(max, initial * 2^n).
 * Half the window is kept as a floor so a reconnect storm still cannot hammer the bouncer.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    public synchronized Duration next() {
        long ceiling = ceilingMillis(failures);
        if (failures < 62) {
            failures++;
        }
        long half = ceiling / 2;
        return Duration.ofMillis(half + (long) (random.nextDouble() * (ceiling - half + 1)));
    }

    public synchronized void reset() {
        failures = 0;
    }

    /** The slowest delay, used after failures that retrying will not heal. */
    public Duration max() {
        return max;
    }

    private long ceilingMillis(int n) {
        long base = initial.toMillis();
        long cap = max.toMillis();
        if (n >= 40 || base << n <= 0 || (base << n) >>> n != base) {
            return cap;
        }
        return Math.min(cap, base << n);
    }
}
