package io.tuns.server;

import io.tuns.server.config.MemoryBudgetSetting;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.memory.MemoryPlan;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory governor on one server: the budget for every byte held on behalf of traffic (--memory-budget),
 * planned from the heap this JVM really has, and the samplers that keep it honest once serving.
 */
final class MemoryWiring {

    private static final Logger log = LoggerFactory.getLogger(MemoryWiring.class);

    private final MemoryPlan plan;
    private final MemoryBudget budget;

    /** Planned at construction: the baseline is the heap in use before any traffic. */
    MemoryWiring(ServerConfig cfg) {
        Runtime rt = Runtime.getRuntime();
        this.plan = MemoryPlan.of(MemoryBudgetSetting.parse(cfg.memoryBudget()), rt.maxMemory(),
                rt.totalMemory() - rt.freeMemory(), MemoryPlan.Bounds.of(cfg));
        this.budget = plan.newBudget();
    }

    MemoryBudget budget() {
        return budget;
    }

    /**
     * Says the plan (a warning naming the flags when their worst case exceeds the budget), samples Netty's pooled
     * buffers into the budget, and makes capture give way first: history above the pressure mark is evicted.
     */
    void start(ScheduledExecutorService scheduler, Inspector inspector) {
        log.info("event=memory_budget {}", plan.describe());
        if (plan.warning() != null) {
            log.warn("event=memory_bounds message=\"{}\"", plan.warning());
        }
        NettyBuffers.sampleInto(budget, scheduler);
        scheduler.scheduleWithFixedDelay(inspector::yieldToTraffic, 1, 1, TimeUnit.SECONDS);
    }
}
