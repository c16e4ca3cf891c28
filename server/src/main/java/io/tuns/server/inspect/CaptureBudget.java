package io.tuns.server.inspect;

import io.tuns.server.memory.MemoryBudget;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte semaphore that never waits: every captured byte (headers included) is charged here first, so the bytes
 * held by inspection can never exceed {@link #limitBytes()}, whatever the traffic. A failed charge means "truncate".
 */
public final class CaptureBudget implements ByteAccount {

    private final long limitBytes;
    private final AtomicLong inUseBytes = new AtomicLong();
    private final MemoryBudget memory;

    public CaptureBudget(long limitBytes) {
        this(limitBytes, MemoryBudget.off());
    }

    /**
     * @param memory the server's memory budget: a charge must fit there too, and capture is the first kind it
     *               refuses, so traffic keeps its room when memory runs short (the body is then truncated)
     */
    public CaptureBudget(long limitBytes, MemoryBudget memory) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("limitBytes must be >= 0, was " + limitBytes);
        }
        this.limitBytes = limitBytes;
        this.memory = memory;
    }

    /** A CAS loop rather than a lock: capture runs on event loops and must not park. */
    @Override
    public boolean tryCharge(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        while (true) {
            long current = inUseBytes.get();
            long next = current + bytes;
            if (next > limitBytes || next < 0) {
                return false;
            }
            if (inUseBytes.compareAndSet(current, next)) {
                if (memory.tryReserve(MemoryBudget.Kind.CAPTURE, bytes)) {
                    return true;
                }
                inUseBytes.addAndGet(-bytes);
                return false;
            }
        }
    }

    @Override
    public void release(long bytes) {
        if (bytes <= 0) {
            return;
        }
        long after = inUseBytes.addAndGet(-bytes);
        if (after < 0) {
            // A double release would silently grow the budget; fail loudly in tests instead.
            inUseBytes.addAndGet(bytes);
            throw new IllegalStateException("released more than was charged: " + bytes);
        }
        memory.release(MemoryBudget.Kind.CAPTURE, bytes);
    }

    public long inUseBytes() {
        return inUseBytes.get();
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long availableBytes() {
        return limitBytes - inUseBytes.get();
    }
}
