package io.tuns.server.http;

import io.tuns.server.tunnel.TunnelOwner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fairness between visitors of one tunnel: a single client address may hold at most a share of the channels its
 * owner's ssh connection may open (--http-max-client-share percent of --max-channels-per-connection), so one slow
 * or hostile address cannot take them all while everyone else gets 503. Bounded: an entry lives only while its
 * count is above zero, so there are never more entries than open channels. Called from several event loops.
 */
final class ClientShares {

    /** The two numbers the share is computed from. */
    record Settings(int maxChannelsPerConnection, int percent) {
    }

    private record Key(TunnelOwner owner, String clientIp) {
    }

    private final int limit; // 0: off
    private final ConcurrentHashMap<Key, Integer> held = new ConcurrentHashMap<>();

    ClientShares(Settings s) {
        int share = Math.max(1, s.maxChannelsPerConnection() * s.percent() / 100);
        // a share as large as the whole is no share: the connection's own limit (503) says it better
        this.limit = s.percent() >= 100 || share >= s.maxChannelsPerConnection() ? 0 : share;
    }

    /** The most channels one address may hold on one owner; 0 when the share is off. */
    int limit() {
        return limit;
    }

    /** Takes one channel for {@code clientIp} on {@code owner}; false (nothing taken) when it holds its share. */
    boolean tryAcquire(TunnelOwner owner, String clientIp) {
        if (limit == 0) {
            return true;
        }
        boolean[] taken = {false};
        held.compute(new Key(owner, clientIp), (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= limit) {
                return n;
            }
            taken[0] = true;
            return count + 1;
        });
        return taken[0];
    }

    /** Gives back one channel taken with {@link #tryAcquire}; call exactly once per successful take. */
    void release(TunnelOwner owner, String clientIp) {
        if (limit != 0) {
            held.computeIfPresent(new Key(owner, clientIp), (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Addresses currently holding channels (for tests: the map's bound). */
    int entries() {
        return held.size();
    }
}
