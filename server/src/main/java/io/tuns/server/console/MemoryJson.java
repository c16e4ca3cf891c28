package io.tuns.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tuns.server.memory.MemoryBudget;

/**
 * The admin console's view of the memory governor ({@code /_sish/api/memory}), the same figures as the
 * {@code sish_memory_budget_*} metrics: {@code {enforced, budgetBytes (null when off), inUseBytes, pressure, full,
 * inUse: {kind: bytes}, refusals: {kind: count}, refusalsTotal}}.
 */
final class MemoryJson {

    private MemoryJson() {
    }

    static ObjectNode of(ObjectMapper mapper, MemoryBudget memory) {
        ObjectNode n = mapper.createObjectNode();
        n.put("enforced", memory.enforced());
        if (memory.enforced()) {
            n.put("budgetBytes", memory.limit());
        } else {
            n.putNull("budgetBytes");
        }
        n.put("inUseBytes", memory.inUse());
        n.put("pressure", memory.underPressure());
        n.put("full", memory.full());
        ObjectNode inUse = n.putObject("inUse");
        ObjectNode refusals = n.putObject("refusals");
        for (MemoryBudget.Kind k : MemoryBudget.Kind.values()) {
            inUse.put(k.label(), memory.inUse(k));
            refusals.put(k.label(), memory.refusals(k));
        }
        n.put("refusalsTotal", memory.refusals());
        return n;
    }
}
