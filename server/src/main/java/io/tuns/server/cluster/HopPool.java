package io.tuns.server.cluster;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle hop connections an entry node keeps for the next request. A connection is keyed by the owner's address, the
 * route the owner accepted it for, and the client's address it carried in its PROXY header: the owner checked the
 * route and took the client's address once, at ACCEPT, so a connection only serves the same route for the same
 * client address again. At most {@link #MAX_PER_KEY} per key and {@link #MAX_IDLE} in all; each closes after
 * {@link #IDLE} unused (under the owner's own head timeout, so the owner rarely closes one under a request).
 * Called from several event loops.
 */
final class HopPool {

    /** Where a pooled connection leads, and for whom. */
    record Key(String address, String route, String clientIp) {
    }

    /**
     * One client address may be many clients (a NAT, a proxy, a load test): with 4 a 16-connection client dialled a
     * hop for most requests (0.20× local in bench/cluster-failover.sh); the total stays bounded by MAX_IDLE.
     */
    static final int MAX_PER_KEY = 64;
    static final int MAX_IDLE = 256;
    static final Duration IDLE = Duration.ofSeconds(5);

    private final Map<Key, ArrayDeque<HopStream>> idle = new HashMap<>();
    private int count;

    /** An idle connection for {@code key} that is still open, taken out of the pool; or null. */
    synchronized HopStream take(Key key) {
        ArrayDeque<HopStream> q = idle.get(key);
        while (q != null && !q.isEmpty()) {
            HopStream s = q.pollLast(); // the most recently used: the least likely to have timed out at the owner
            count--;
            if (q.isEmpty()) {
                idle.remove(key);
            }
            if (s.isOpen()) {
                return s;
            }
        }
        return null;
    }

    /** Keeps {@code s} idle; false (not kept: close it) when the pool is full. */
    synchronized boolean put(HopStream s) {
        if (count >= MAX_IDLE) {
            return false;
        }
        ArrayDeque<HopStream> q = idle.computeIfAbsent(s.key(), k -> new ArrayDeque<>(MAX_PER_KEY));
        if (q.size() >= MAX_PER_KEY) {
            return false;
        }
        q.add(s);
        count++;
        return true;
    }

    /** Drops {@code s} if it is idle here (it closed or timed out); true if it was. */
    synchronized boolean remove(HopStream s) {
        ArrayDeque<HopStream> q = idle.get(s.key());
        if (q == null || !q.remove(s)) {
            return false;
        }
        count--;
        if (q.isEmpty()) {
            idle.remove(s.key());
        }
        return true;
    }

    synchronized int idle() {
        return count;
    }
}
