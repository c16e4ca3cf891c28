package io.tuns.server.access;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-IP limits on the SSH listener: concurrent connections ({@code --max-connections-per-ip}) and failed
 * authentications in a sliding window ({@code --max-auth-failures-per-ip} per {@code --auth-failure-window}), the
 * latter followed by a temporary ban ({@code --auth-failure-ban}). A limit of 0 is off. Refusals are sentences
 * the ssh client prints. Memory is bounded: connection counts exist only for open connections, and failure
 * records for at most {@link #MAX_TRACKED_IPS} addresses (least recently seen dropped first).
 */
public final class ConnectionLimiter {

    /** IPs whose failures are remembered at once; each costs at most max-auth-failures-per-ip timestamps. */
    static final int MAX_TRACKED_IPS = 16_384;

    private final int maxConnectionsPerIp;
    private final int maxFailures;
    private final long windowNanos;
    private final long banNanos;
    private final LongSupplier nanoTime;
    private final Map<InetAddress, Integer> open = new HashMap<>();
    private final LinkedHashMap<InetAddress, Failures> failures;

    /** Failure times inside the window (oldest first) and, once banned, when the ban ends. */
    private static final class Failures {
        final ArrayDeque<Long> times = new ArrayDeque<>();
        long bannedUntil;
        boolean banned;
    }

    public ConnectionLimiter(int maxConnectionsPerIp, int maxFailures, Duration window, Duration ban,
                             LongSupplier nanoTime) {
        this.maxConnectionsPerIp = maxConnectionsPerIp;
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.banNanos = ban.toNanos();
        this.nanoTime = nanoTime;
        this.failures = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Failures> eldest) {
                return size() > MAX_TRACKED_IPS;
            }
        };
    }

    /**
     * Counts a new connection from {@code ip}, or refuses it.
     *
     * @return null when admitted (call {@link #release} when it closes), else why it is refused
     */
    public synchronized String admit(InetAddress ip) {
        String ban = banned(ip);
        if (ban != null) {
            return ban;
        }
        int n = open.getOrDefault(ip, 0);
        if (maxConnectionsPerIp > 0 && n >= maxConnectionsPerIp) {
            return "too many connections from " + ip.getHostAddress() + " (" + n + " open, the limit is "
                    + maxConnectionsPerIp + "); close one and try again";
        }
        open.put(ip, n + 1);
        return null;
    }

    public synchronized void release(InetAddress ip) {
        open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * Records one failed authentication.
     *
     * @return the ban sentence when this failure starts (or falls inside) a ban, else null
     */
    public synchronized String authFailed(InetAddress ip) {
        if (maxFailures <= 0) {
            return null;
        }
        long now = nanoTime.getAsLong();
        Failures f = failures.computeIfAbsent(ip, k -> new Failures());
        if (isBanned(f, now)) {
            return banMessage(ip, f, now);
        }
        while (!f.times.isEmpty() && now - f.times.peekFirst() >= windowNanos) {
            f.times.pollFirst();
        }
        f.times.addLast(now);
        if (f.times.size() >= maxFailures) {
            f.times.clear();
            f.banned = true;
            f.bannedUntil = now + banNanos;
            return banMessage(ip, f, now);
        }
        return null;
    }

    /** @return the ban sentence while {@code ip} is banned, else null */
    public synchronized String banned(InetAddress ip) {
        Failures f = failures.get(ip);
        long now = nanoTime.getAsLong();
        return f != null && isBanned(f, now) ? banMessage(ip, f, now) : null;
    }

    synchronized int openConnections(InetAddress ip) {
        return open.getOrDefault(ip, 0);
    }

    private static boolean isBanned(Failures f, long now) {
        if (f.banned && now - f.bannedUntil >= 0) {
            f.banned = false; // served its time; a fresh window starts
        }
        return f.banned;
    }

    private static String banMessage(InetAddress ip, Failures f, long now) {
        return "too many failed authentications from " + ip.getHostAddress() + "; try again in "
                + humanDuration(f.bannedUntil - now);
    }

    /** "10 minutes", "1 minute", "45 seconds": rounded up, so a user never comes back too early. */
    static String humanDuration(long nanos) {
        long seconds = Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
        if (seconds < 60) {
            return seconds + (seconds == 1 ? " second" : " seconds");
        }
        long minutes = (seconds + 59) / 60;
        return minutes + (minutes == 1 ? " minute" : " minutes");
    }
}
