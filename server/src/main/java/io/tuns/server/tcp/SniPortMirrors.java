package io.tuns.server.tcp;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SNI ports other nodes' forwards listen on, listened on here too (an SNI listener passes names held elsewhere on
 * to their node). Each node marks its SNI ports in the store ({@code sni-port|node:port}); a port stays mirrored
 * while any other node marks it, since several nodes may have SNI forwards on one port.
 */
public final class SniPortMirrors implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SniPortMirrors.class);

    /** Where SNI ports are mirrored: an SNI listener that also passes names held elsewhere ({@link SniListeners}). */
    public interface SniMirror {
        /** Listens on {@code port} for other nodes' names; false when the port is taken otherwise. */
        boolean mirror(int port);

        void unmirror(int port);
    }

    private final String node;
    private final SniMirror sni;
    /**
     * Other nodes' marks by port; guarded by this. Bounded as the marks read are: at most
     * {@link ClusterPorts#MAX_ROUTES} per read, one per node and port.
     */
    private final Map<Integer, Set<String>> marks = new HashMap<>();
    private boolean closed;

    /** @param node this node's id: its own marks are never mirrored */
    public SniPortMirrors(String node, SniMirror sni) {
        this.node = node;
        this.sni = sni;
    }

    /** The port of an SNI port mark ({@code sni-port|node:port}), or -1 when it is not one. */
    static int port(String mark) {
        return mark.startsWith(SniListeners.MARK_KIND + "|")
                ? ClusterPorts.port("tcp|" + mark.substring(mark.indexOf('|') + 1)) : -1;
    }

    /** The store's SNI port marks, mark → node: mirrors the ports of other nodes' marks, drops the rest. */
    public void reconcile(Map<String, String> held) {
        Set<String> remote = new TreeSet<>();
        held.forEach((mark, holder) -> {
            if (!holder.equals(node) && port(mark) > 0) {
                remote.add(mark);
            }
        });
        ClusterPorts.Plan plan;
        synchronized (this) {
            Set<String> mirrored = new TreeSet<>();
            marks.values().forEach(mirrored::addAll);
            plan = ClusterPorts.Plan.of(mirrored, remote);
        }
        plan.close().forEach(this::gone);
        plan.open().forEach(this::appeared);
    }

    /** Another node marks a port: listen on it (a port taken otherwise is tried again at the next reconcile). */
    synchronized void appeared(String mark) {
        int port = port(mark);
        if (closed || port < 0 || mark.startsWith(SniListeners.MARK_KIND + "|" + node + ":")) {
            return; // this node's own mark
        }
        Set<String> onPort = marks.get(port);
        if (onPort == null) {
            if (!sni.mirror(port)) {
                return;
            }
            onPort = new TreeSet<>();
            marks.put(port, onPort);
            log.info("event=cluster_sni_port_mirrored port={}", port);
        }
        onPort.add(mark);
    }

    /** A mark is gone: the port closes here when no other node marks it. */
    synchronized void gone(String mark) {
        int port = port(mark);
        Set<String> onPort = marks.get(port);
        if (onPort != null && onPort.remove(mark) && onPort.isEmpty()) {
            marks.remove(port);
            sni.unmirror(port);
            log.info("event=cluster_sni_port_unmirrored port={}", port);
        }
    }

    /** Stops for good: every mirrored port is closed, later reads open nothing. */
    @Override
    public synchronized void close() {
        closed = true;
        marks.values().stream().flatMap(Set::stream).toList().forEach(this::gone);
    }
}
