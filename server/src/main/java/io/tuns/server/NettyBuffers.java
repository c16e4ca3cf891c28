package io.tuns.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.tuns.server.memory.MemoryBudget;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Netty's own buffers (HTTP codec, TLS records, socket reads) cannot be reserved one by one, but its allocator
 * knows what it holds: sampled into the memory budget once a second as an observed kind, so the budget's total
 * and its admission decisions include them.
 */
final class NettyBuffers {

    static final long SAMPLE_MILLIS = 1000;

    private NettyBuffers() {
    }

    static void sampleInto(MemoryBudget memory, ScheduledExecutorService scheduler) {
        if (!(ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider)) {
            return; // an allocator without figures: the kind stays 0
        }
        scheduler.scheduleWithFixedDelay(() -> {
            long used = provider.metric().usedHeapMemory() + provider.metric().usedDirectMemory();
            memory.observe(MemoryBudget.Kind.NETTY_BUFFERS, Math.max(0, used));
        }, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
