package io.tuns.server.cluster;

/** What an entry node does with a connection once the store said where its route lives. Pure. */
final class HopDecision {

    enum Next {
        /** nobody holds it, or this node does: the local handlers answer (a refusal, a 404, the tunnel) */
        STAY,
        /** another node holds it: dial there */
        DIAL,
        /** a retry found nobody, this node, or the same node that said NOT_HERE: no further hop */
        GIVE_UP
    }

    private HopDecision() {
    }

    /**
     * @param holder    the node the store names, or null
     * @param self      this node
     * @param triedNode the node that answered NOT_HERE on the first try, or null on the first try
     */
    static Next next(String holder, String self, String triedNode) {
        if (holder == null || holder.equals(self)) {
            return triedNode == null ? Next.STAY : Next.GIVE_UP;
        }
        if (holder.equals(triedNode)) {
            return Next.GIVE_UP;
        }
        return Next.DIAL;
    }
}
