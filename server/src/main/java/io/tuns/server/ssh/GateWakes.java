package io.tuns.server.ssh;

import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the wakes a {@link SessionWriteGate} hands out only once this thread holds no channel's lock. A wake drains
 * another channel (taking its lock); run while this thread holds its own channel's lock, as when MINA completes a
 * write inline inside a drain, two threads waking each other's channels would deadlock. So every entry point of
 * {@link PipelinedChannelOutput} runs in a scope, wakes are queued on the thread, and the outermost scope runs
 * them after its body, with no lock held. Bound: one wake per channel of the connection per released packet.
 */
final class GateWakes {

    private static final Logger LOG = LoggerFactory.getLogger(GateWakes.class);
    private static final ThreadLocal<ArrayDeque<Runnable>> QUEUED = new ThreadLocal<>();

    private GateWakes() {
    }

    /** Runs {@code body}; wakes deferred inside it run after it, in order, unless an outer scope is still open. */
    static void inScope(Runnable body) {
        if (QUEUED.get() != null) {
            body.run();
            return;
        }
        ArrayDeque<Runnable> queued = new ArrayDeque<>();
        QUEUED.set(queued);
        try {
            body.run();
            Runnable next;
            while ((next = queued.poll()) != null) {
                try {
                    next.run(); // wakes inside it queue here too: run by this loop, never nested
                } catch (RuntimeException e) {
                    LOG.warn("a channel woken by the ssh write gate failed to send: {}", e.toString());
                }
            }
        } finally {
            QUEUED.remove();
        }
    }

    /** Queues wakes for the current scope, or runs them now if the thread is in none (it holds no channel lock). */
    static void defer(List<Runnable> wakes) {
        if (wakes.isEmpty()) {
            return;
        }
        ArrayDeque<Runnable> queued = QUEUED.get();
        if (queued == null) {
            inScope(() -> QUEUED.get().addAll(wakes)); // run by the scope's loop, one failure at a time
        } else {
            queued.addAll(wakes);
        }
    }
}
