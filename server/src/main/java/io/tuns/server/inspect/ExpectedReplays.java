package io.tuns.server.inspect;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Replays the console has just sent, so the exchange they produce can be marked "replay of #n" in the list. A replay
 * is byte-identical to its original, so it cannot carry a mark itself: it is recognised by tunnel, method and target
 * arriving from loopback within {@link #TTL_NANOS}. At most {@link #MAX_ENTRIES} are remembered (oldest dropped);
 * the cost of a mismatch is only a wrong mark on a row.
 */
final class ExpectedReplays {

    static final int MAX_ENTRIES = 64;
    static final long TTL_NANOS = 30_000_000_000L;

    private record Expected(String host, String method, String uri, long originalId, long atNanos) { }

    private final ArrayDeque<Expected> expected = new ArrayDeque<>(); // guarded by this

    synchronized void expect(String host, String method, String uri, long originalId, long nowNanos) {
        while (expected.size() >= MAX_ENTRIES) {
            expected.pollFirst();
        }
        expected.addLast(new Expected(host, method, uri, originalId, nowNanos));
    }

    /** The original's id if this request is an expected replay (consumed), or 0. */
    synchronized long match(String host, String method, String uri, String clientIp, long nowNanos) {
        if (expected.isEmpty() || !isLoopback(clientIp)) {
            return 0;
        }
        for (Iterator<Expected> it = expected.iterator(); it.hasNext(); ) {
            Expected e = it.next();
            if (nowNanos - e.atNanos() > TTL_NANOS) {
                it.remove();
            } else if (e.host().equals(host) && e.method().equals(method) && e.uri().equals(uri)) {
                it.remove();
                return e.originalId();
            }
        }
        return 0;
    }

    synchronized int size() {
        return expected.size();
    }

    private static boolean isLoopback(String ip) {
        return ip != null && (ip.startsWith("127.") || ip.equals("0:0:0:0:0:0:0:1") || ip.equals("::1"));
    }
}
