package io.tuns.server;

import io.tuns.server.inspect.Inspector;
import io.tuns.server.ssh.ClientConnection;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --debug}: every {@code --debug-interval} a picture of the server in the log, as sish's debug dump has it
 * (threads, memory, connections, tunnels). Unlike sish it never prints console tokens, keys or passwords, and it
 * lists at most {@link #MAX_LISTED} connections and tunnels per dump so 10,000 tunnels do not flood the log.
 */
final class DebugDump implements Runnable {

    static final int MAX_LISTED = 50;
    private static final Logger log = LoggerFactory.getLogger(DebugDump.class);

    private final TunnelRegistry registry;
    private final Supplier<List<ClientConnection>> connections;
    private final Inspector inspector;

    DebugDump(TunnelRegistry registry, Supplier<List<ClientConnection>> connections, Inspector inspector) {
        this.registry = registry;
        this.connections = connections;
        this.inspector = inspector;
    }

    @Override
    public void run() {
        try {
            dump();
        } catch (RuntimeException e) { // a dump must never stop the schedule
            log.warn("event=debug_dump_failed error=\"{}\"", e.toString());
        }
    }

    /** User names and client versions come from the client: one log line stays one line. */
    private static String printable(String s) {
        return s == null ? "" : s.replaceAll("[^\\x20-\\x7e]", "?").replace('"', '\'');
    }

    private void dump() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        List<ClientConnection> conns = connections.get();
        List<Tunnel> tunnels = List.copyOf(registry.all());
        log.info("event=debug threads={} heap_used_bytes={} heap_max_bytes={} direct_bytes={} connections={} tunnels={}"
                        + " captured_bytes={} capture_budget_bytes={}",
                ManagementFactory.getThreadMXBean().getThreadCount(), heap.getUsed(), heap.getMax(), direct,
                conns.size(), tunnels.size(), inspector.capturedBytes(), inspector.captureBudgetBytes());
        Instant now = Instant.now();
        conns.stream().limit(MAX_LISTED).forEach(c -> log.info(
                "event=debug_connection remote={} user={} tunnels={} age_seconds={} client=\"{}\"", c.remoteAddress(),
                printable(c.user()), c.tunnels().size(), Duration.between(c.startedAt(), now).toSeconds(),
                printable(c.clientVersion())));
        tunnels.stream().limit(MAX_LISTED).forEach(t -> log.info(
                "event=debug_tunnel type={} host={} owner={} bind={}:{} age_seconds={}", t.type().label(), t.host(),
                t.owner().remoteAddress(), t.bindAddress(), t.bindPort(),
                Duration.between(t.createdAt(), now).toSeconds()));
        int hidden = Math.max(0, conns.size() - MAX_LISTED) + Math.max(0, tunnels.size() - MAX_LISTED);
        if (hidden > 0) {
            log.info("event=debug_truncated not_listed={} (at most {} connections and {} tunnels per dump)", hidden,
                    MAX_LISTED, MAX_LISTED);
        }
    }
}
