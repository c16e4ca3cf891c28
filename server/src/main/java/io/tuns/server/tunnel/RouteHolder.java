package io.tuns.server.tunnel;

/**
 * Who holds a route in the {@link RouteStore}: a node, and on it an owner. The owner is the key fingerprint when
 * the connection has a key (so the same key on another node takes the route over), else an id unique to the
 * connection (a keyless connection is its own owner).
 */
public record RouteHolder(String node, String owner) {

    /** The holder for {@code tunnel} on {@code node}. */
    public static RouteHolder of(String node, Tunnel tunnel) {
        String fp = tunnel.owner().keyFingerprint();
        return new RouteHolder(node, fp != null ? fp : "conn/" + node + "/" + tunnel.owner().remoteAddress());
    }
}
