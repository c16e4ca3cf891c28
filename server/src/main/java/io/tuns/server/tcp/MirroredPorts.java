package io.tuns.server.tcp;

/**
 * The TCP ports this node listens on for other cluster nodes' forwards ({@link ClusterPorts}), as the port
 * allocation sees them: held, unless the same key takes one over here, when the mirror gives the port up.
 */
public interface MirroredPorts {

    /** A single node: no port is mirrored. */
    MirroredPorts NONE = new MirroredPorts() {
        @Override
        public boolean mirrors(int port) {
            return false;
        }

        @Override
        public void yieldPort(int port) {
        }
    };

    /** Whether this node listens on {@code port} for another node's forward. */
    boolean mirrors(int port);

    /** Closes the mirror of {@code port} (blocking until it is unbound): a forward of this node claimed it. */
    void yieldPort(int port);
}
