package io.tuns.server.cluster;

import io.tuns.server.tunnel.RouteLocation;
import java.util.Optional;

/**
 * What an entry node does with a request no local tunnel serves, given where the store (or the route cache) says
 * its route lives. Pure: table-tested in {@code HopChoiceTest}.
 */
public final class HopChoice {

    /** LOCAL: nobody else holds it, answer here (404); FORWARD: one hop to the holder; GIVE_UP: 502. */
    public enum Kind { LOCAL, FORWARD, GIVE_UP }

    private HopChoice() {
    }

    /**
     * @param where the route's holder, if any
     * @param self  this node's name: a route held here but not served by a local tunnel is not forwarded
     * @param tried the node that just answered NOT_HERE, or null on the first look-up; a second look-up may only
     *              lead to a different node, and never ends in a local answer (the request was meant elsewhere)
     */
    public static Kind choose(Optional<RouteLocation> where, String self, String tried) {
        if (where.isEmpty() || where.get().holder().node().equals(self)) {
            return tried == null ? Kind.LOCAL : Kind.GIVE_UP;
        }
        if (where.get().holder().node().equals(tried)) {
            return Kind.GIVE_UP;
        }
        return Kind.FORWARD;
    }
}
