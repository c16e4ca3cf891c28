package io.tuns.server;

import io.tuns.server.ssh.ClientConnection;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM on a cluster node: sessions cannot move to another node, so their clients must reconnect, and they should
 * find their names waiting. The node stops taking new connections (the load balancer's check fails and it sends
 * everyone elsewhere), keeps its routes in the store (only the same key can take them, at once, from another
 * node), tells each session why it is about to close, closes them at a bounded rate, and waits until the
 * reconnected clients took their routes over or {@code timeout} passed. Then the caller ends the node's lease.
 */
final class NodeDrain {

    private static final Logger log = LoggerFactory.getLogger(NodeDrain.class);

    static final String TOLD = "This tuns node is shutting down. Reconnect (through the same address): another node"
            + " takes your connection, and your names wait for your key.";
    /** Sessions closed per step, and the pause between steps: a thousand sessions reconnect over ~2 s, not at once. */
    static final int CLOSE_BATCH = 50;
    static final Duration CLOSE_PAUSE = Duration.ofMillis(100);
    /** Time for the told line to reach the users before their connections close. */
    static final Duration TELL_PAUSE = Duration.ofMillis(300);

    private NodeDrain() {
    }

    /** @return the routes still this node's when the wait ended (their clients did not come back in time) */
    static int run(Runnable stopTakingConnections, Supplier<List<ClientConnection>> sessions,
                   TunnelRegistry registry, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        stopTakingConnections.run();
        registry.keepRoutes();
        List<ClientConnection> open = sessions.get();
        log.info("event=cluster_drain_started sessions={} routes={}", open.size(), registry.heldRoutes().size());
        open.forEach(c -> c.message(TOLD));
        Thread.sleep(TELL_PAUSE.toMillis());
        for (int i = 0; i < open.size(); i++) {
            open.get(i).disconnect();
            if ((i + 1) % CLOSE_BATCH == 0) {
                Thread.sleep(CLOSE_PAUSE.toMillis());
            }
        }
        while (!registry.heldRoutes().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        int left = registry.heldRoutes().size();
        log.info("event=cluster_drained routes_not_taken_over={}", left);
        return left;
    }
}
