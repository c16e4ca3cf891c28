package io.tuns.server.tunnel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tunnels sharing one name: one, or several with a load balancer flag on (sish's round robin).
 * Copy-on-write: members change rarely, requests read often.
 */
public final class TunnelGroup {

    private final CopyOnWriteArrayList<Tunnel> members = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    TunnelGroup(Tunnel first) {
        members.add(first);
    }

    /** Round robin; null if the group emptied meanwhile. */
    public Tunnel next() {
        List<Tunnel> m = members;
        int size = m.size();
        if (size == 0) {
            return null;
        }
        return m.get(Math.floorMod(next.getAndIncrement(), size));
    }

    /** The next member other than {@code failed}, for a retry; null when there is none. */
    public Tunnel nextExcept(Tunnel failed) {
        return nextExcept(java.util.Set.of(failed));
    }

    /** The next member not in {@code tried}, for a retry; null when every live member was tried. */
    public Tunnel nextExcept(java.util.Collection<Tunnel> tried) {
        for (int i = 0; i < members.size(); i++) {
            Tunnel t = next();
            if (t != null && !tried.contains(t)) {
                return t;
            }
        }
        return null;
    }

    public Tunnel first() {
        List<Tunnel> m = members;
        return m.isEmpty() ? null : m.get(0);
    }

    public boolean contains(Tunnel t) {
        return members.contains(t);
    }

    public List<Tunnel> members() {
        return List.copyOf(members);
    }

    void add(Tunnel t) {
        members.add(t);
    }

    boolean remove(Tunnel t) {
        return members.remove(t);
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    boolean replace(Tunnel old, Tunnel replacement) {
        int i = members.indexOf(old);
        if (i < 0) {
            return false;
        }
        members.set(i, replacement);
        return true;
    }
}
