package io.tuns.server.http;

import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.Tunnel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The stand-in tunnel of one client connection's last hop ({@code ClusterHop#remote}). A next request to the same
 * holder and route, with the same route keys, gets the same one, so {@link TunnelSide} keeps the hop connection it
 * used (as it keeps a local tunnel's channel) instead of parking it and taking one from the pool again. A hop
 * connection left unused for {@code idle} is not used again (the owner's head timeout may be closing it just as
 * a request goes out): the caller drops it and the request gets a fresh one. Holds one tunnel; event loop only.
 */
final class HopReuse {

    /** What to do with a request's hop, given the last one ({@link #next}). */
    enum Next {
        /** the same tunnel, on the connection it keeps */
        SAME,
        /** a new tunnel: the kept connection (if any) goes back to the pool */
        NEW,
        /** a new tunnel, and the kept connection is closed: it sat unused too long to trust */
        NEW_AFTER_IDLE
    }

    private final long idleNanos;
    private RouteLocation at;
    private List<String> keys;
    private long usedNanos;
    private Tunnel tunnel;
    private Next last;
    private Tunnel stale;

    /** @param idle how long a kept hop connection may sit unused and still carry a request */
    HopReuse(Duration idle) {
        this.idleNanos = idle.toNanos();
    }

    /**
     * The tunnel for a request going to {@code where} at {@code nowNanos}: the last one if it went to the same
     * place recently, else a new one from {@code make}; {@link #lastStep} tells which.
     */
    Tunnel tunnelTo(RouteLocation where, List<String> routeKeys, long nowNanos, Supplier<Tunnel> make) {
        last = tunnel == null ? Next.NEW : next(at, keys, usedNanos, where, routeKeys, nowNanos, idleNanos);
        stale = last == Next.NEW_AFTER_IDLE ? tunnel : null;
        if (last != Next.SAME) {
            tunnel = make.get();
            at = where;
            keys = routeKeys;
        }
        usedNanos = nowNanos;
        return tunnel;
    }

    /** What the last {@link #tunnelTo} did. */
    Next lastStep() {
        return last;
    }

    /** After {@link Next#NEW_AFTER_IDLE}: the tunnel whose kept connection is to be closed, not pooled; else null. */
    Tunnel stale() {
        return stale;
    }

    /**
     * Whether a request may go where the last one went, on its connection: the same holder (node, key), address
     * and route, the same route keys (a retry after NOT_HERE looks them up again), and used within {@code idle}.
     * Pure.
     */
    static Next next(RouteLocation lastAt, List<String> lastKeys, long lastUsedNanos, RouteLocation at,
                     List<String> keys, long nowNanos, long idleNanos) {
        if (lastAt == null || !lastAt.equals(at) || !Objects.equals(lastKeys, keys)) {
            return Next.NEW;
        }
        long unused = nowNanos - lastUsedNanos;
        return unused >= 0 && unused < idleNanos ? Next.SAME : Next.NEW_AFTER_IDLE;
    }
}
