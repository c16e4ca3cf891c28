package io.tuns.server.bridge;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * sish's {@code --idle-connection} for a stream that is not a Netty channel (an alias joins two SSH channels):
 * {@link #touch()} on every byte either way; {@code onIdle} runs once when {@code timeout} passed without one.
 * The check runs every quarter timeout (at least 50 ms), so the cut comes within 1.25 × timeout.
 */
public final class IdleWatch {

    private final long timeoutNanos;
    private volatile long lastNanos = System.nanoTime();
    private ScheduledFuture<?> task; // guarded by this

    public IdleWatch(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    public void touch() {
        lastNanos = System.nanoTime();
    }

    public synchronized void start(ScheduledExecutorService scheduler, Runnable onIdle) {
        if (task != null) {
            return;
        }
        touch();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), timeoutNanos / 4);
        task = scheduler.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastNanos > timeoutNanos && stop()) {
                onIdle.run();
            }
        }, period, period, TimeUnit.NANOSECONDS);
    }

    /** Stops watching; true if this call stopped a running watch (so {@code onIdle} runs at most once). */
    public synchronized boolean stop() {
        if (task == null || task.isCancelled()) {
            return false;
        }
        task.cancel(false);
        return true;
    }
}
