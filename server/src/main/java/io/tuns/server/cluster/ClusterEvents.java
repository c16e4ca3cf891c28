package io.tuns.server.cluster;

/** What a cluster node reports about its store, its lease and its hops (the wiring turns it into metrics). */
public interface ClusterEvents {

    ClusterEvents NONE = new ClusterEvents() { };

    /** A heartbeat or claim reached the store ({@code true}) or did not. */
    default void storeAnswered(boolean answered) {
    }

    /** The lease was renewed now. */
    default void leaseRenewed() {
    }

    /** The lease had lapsed: the node was fenced and joins again. */
    default void leaseLapsed() {
    }

    /** A route this node held is held elsewhere now. */
    default void routeLost() {
    }

    /** A route feed entry was applied {@code lagMillis} after Redis recorded the change. */
    default void feedApplied(long lagMillis) {
    }

    /** The route feed lost entries (trimmed before they were read, or Redis emptied): the node re-checks. */
    default void feedMissed() {
    }

    /**
     * A hop dial ended (forwarded, not_here or failed), or a hop connection was kept idle (pooled) or taken again
     * for a request (reused).
     */
    default void hop(String result) {
    }

    /** A peer on --cluster-listen was refused: no certificate, one the cluster CA did not sign, or no TLS at all. */
    default void peerRefused() {
    }
}
