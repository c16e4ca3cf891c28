package io.tuns.server.ssh;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounds the data bytes one ssh connection has handed to MINA and MINA has not yet written to the socket. MINA
 * keeps one write queue per connection, so a CHANNEL_OPEN, a WINDOW_ADJUST or a keepalive queues behind every data
 * packet handed before it: with hundreds of channels each pipelining up to 256 KiB, control packets waited over
 * 10 s (channel opens timed out; paused downloads got their window too late). Channels take turns: one that finds
 * the bound reached joins a line, oldest first, and written bytes coming back are granted (reserved) to the first
 * in line, whose wake the caller runs outside every lock. Data not handed stays in the channel's own bounded queue
 * (its producer pauses as before), so this adds no buffer. Bound: {@link #limitBytes()} bytes handed or granted,
 * except that a channel may always take room when nothing is handed (a packet larger than the bound still goes).
 */
final class SessionWriteGate {

    /**
     * 1 MiB: 32 SSH packets of 32 KiB. At the 3–10 MB/s an overloaded connection moved in the hostile bench, a
     * control packet waits 0.1–0.3 s behind it, not 10 s. One channel pipelines at most 8 × 32 KiB (bridge's
     * SshChannelWriter), so up to four busy channels never meet the gate and a single transfer is not slowed.
     */
    static final long DEFAULT_LIMIT_BYTES = 1024 * 1024;

    /** One channel's share: bytes it has handed and not yet seen written, and room granted to it in the line. */
    static final class Holder {
        private final Runnable wake;
        private long held;     // guarded by the gate
        private long granted;  // guarded by the gate; counted in handed until used or given back
        private int want;      // guarded by the gate; what it asked for when it joined the line
        private boolean inLine; // guarded by the gate
        private boolean left;   // guarded by the gate

        private Holder(Runnable wake) {
            this.wake = wake;
        }
    }

    private final long limit;
    /** Channels waiting for room, oldest first; bound: one entry per open channel of the connection. */
    private final ArrayDeque<Holder> line = new ArrayDeque<>();
    private long handed;     // guarded by this: held by all holders + granted to them
    private long peakHanded; // guarded by this
    private boolean closed;  // guarded by this

    /** @param limitBytes the bound; 0 or less: no bound (bytes are still counted, for measuring) */
    SessionWriteGate(long limitBytes) {
        this.limit = limitBytes <= 0 ? Long.MAX_VALUE : limitBytes;
    }

    /** The limit in force: the system property {@code tuns.sshSessionWriteBytes} (0 = unbounded) or the default. */
    static SessionWriteGate fromSystemProperty() {
        return new SessionWriteGate(Long.getLong("tuns.sshSessionWriteBytes", DEFAULT_LIMIT_BYTES));
    }

    /** The pure admission rule: with nobody waiting, room is taken if nothing is handed or the bytes fit. */
    static boolean mayTake(long handed, long want, long limit, boolean lineEmpty) {
        return lineEmpty && (handed == 0 || handed + want <= limit);
    }

    /** A channel's share; {@code wake} is run (by the caller of {@link #released}/{@link #leave}) when room is granted. */
    Holder holder(Runnable wake) {
        return new Holder(wake);
    }

    /**
     * Room for up to {@code want} bytes: returns how many may be handed to MINA now (0: the holder waits in line and
     * is woken with room granted). After {@link #close} everything passes uncounted: the connection is going away.
     */
    synchronized int take(Holder h, int want) {
        if (closed) {
            return want;
        }
        if (h.left || want <= 0) {
            return 0;
        }
        if (h.granted > 0) {
            int n = (int) Math.min(want, h.granted);
            h.granted -= n;
            h.held += n;
            return n;
        }
        if (!h.inLine && mayTake(handed, want, limit, line.isEmpty())) {
            handed += want;
            peakHanded = Math.max(peakHanded, handed);
            h.held += want;
            return want;
        }
        h.want = want;
        if (!h.inLine) {
            h.inLine = true;
            line.add(h);
        }
        return 0;
    }

    /** {@code n} bytes of the holder's reached the socket (or failed): the room goes to the line. Returns wakes. */
    synchronized List<Runnable> released(Holder h, long n) {
        if (closed) {
            return List.of();
        }
        long m = Math.min(n, h.held);
        h.held -= m;
        handed -= m;
        return admit();
    }

    /** The channel is gone: it leaves the line and gives back all it held or was granted. Returns wakes. */
    synchronized List<Runnable> leave(Holder h) {
        if (closed || h.left) {
            return List.of();
        }
        h.left = true;
        if (h.inLine) {
            line.remove(h);
            h.inLine = false;
        }
        handed -= h.held + h.granted;
        h.held = 0;
        h.granted = 0;
        return admit();
    }

    /** The connection has ended: the line and the counts are dropped (its channels close with it). */
    synchronized void close() {
        closed = true;
        for (Holder h : line) {
            h.inLine = false;
        }
        line.clear();
        handed = 0;
    }

    private List<Runnable> admit() {
        List<Runnable> wakes = List.of();
        while (!line.isEmpty()) {
            Holder head = line.peek();
            if (handed > 0 && handed + head.want > limit) {
                break;
            }
            line.poll();
            head.inLine = false;
            head.granted += head.want;
            handed += head.want;
            peakHanded = Math.max(peakHanded, handed);
            if (wakes.isEmpty()) {
                wakes = new ArrayList<>(2);
            }
            wakes.add(head.wake);
        }
        return wakes;
    }

    long limitBytes() {
        return limit;
    }

    /** Data bytes handed to MINA and not yet written, plus room granted and not yet used. */
    synchronized long handedBytes() {
        return handed;
    }

    synchronized long peakHandedBytes() {
        return peakHanded;
    }

    /** Channels waiting in line for room. */
    synchronized int waiting() {
        return line.size();
    }

    /** What one holder holds now (handed + granted); for tests. */
    synchronized long heldBy(Holder h) {
        return h.held + h.granted;
    }
}
