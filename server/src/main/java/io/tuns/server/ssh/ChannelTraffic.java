package io.tuns.server.ssh;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tunnel connections open now and bytes carried, for one tunnel and, through {@code total}, for its ssh
 * connection; the admin console derives rates from two readings. "In" is towards the ssh client (visitor to
 * service), "out" is from it. Byte counters only grow; a tunnel's counts also go to its connection's.
 */
public final class ChannelTraffic {

    private final ChannelTraffic total;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder in = new LongAdder();
    private final LongAdder out = new LongAdder();
    /** When bytes towards the ssh client last left our send queue (-1: never): it is reading, so it is alive. */
    private volatile long lastTaken = -1;

    /** @param total the connection's counters, or null for those */
    ChannelTraffic(ChannelTraffic total) {
        this.total = total;
    }

    void opened() {
        open.incrementAndGet();
        if (total != null) {
            total.opened();
        }
    }

    void closed() {
        open.decrementAndGet();
        if (total != null) {
            total.closed();
        }
    }

    /** Bytes sent to the ssh client (a visitor's request or upload). */
    void in(long bytes) {
        in.add(bytes);
        if (total != null) {
            total.in(bytes);
        }
    }

    /** Bytes the ssh client sent (its service's response). */
    void out(long bytes) {
        out.add(bytes);
        if (total != null) {
            total.out(bytes);
        }
    }

    /**
     * A packet towards the ssh client has been written to the socket. The kernel takes bytes only while the
     * client keeps reading (once its buffers are full), so this is proof of life when a busy client has nothing
     * to say: its reply to our ping waits behind the megabytes we queued before it.
     */
    void taken(long nowMillis) {
        lastTaken = nowMillis;
        if (total != null) {
            total.taken(nowMillis);
        }
    }

    /** When the ssh client last took bytes from us (see {@link #taken}), -1 if never. */
    long lastTakenMillis() {
        return lastTaken;
    }

    public int openChannels() {
        return open.get();
    }

    public long bytesIn() {
        return in.sum();
    }

    public long bytesOut() {
        return out.sum();
    }
}
