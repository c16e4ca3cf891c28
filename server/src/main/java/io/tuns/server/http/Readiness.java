package io.tuns.server.http;

/**
 * Whether this node should get new connections from the load balancer, for {@code GET /_sish/health} (on the
 * HTTP listener, any Host): 200 while serving, 503 with the reason while not (joining a cluster store that has
 * not answered yet, fenced, draining).
 */
@FunctionalInterface
public interface Readiness {

    /** Always serving (a single node: its listeners are up once it answers at all). */
    Readiness SERVING = () -> null;

    /** Null while serving; else why not, in one sentence for an operator. */
    String notReady();
}
