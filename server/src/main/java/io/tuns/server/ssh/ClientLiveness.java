package io.tuns.server.ssh;

/**
 * sish's {@code --ping-client} decision: is the ssh client dead? Pure; the caller feeds it times in milliseconds.
 * A busy client is not a dead one: anything heard from it (channel data, window adjustments, the reply to our ping;
 * MINA's idle-timeout start moves on every message) proves it alive, and so do our forwarded bytes it takes off the
 * socket (the caller folds those into {@code lastHeard}). And our ping counts only once it has left
 * our own send queue: on a connection whose queue is full (uploads towards a slow client), a ping can wait there
 * longer than the timeout, and that wait is ours, not the client's. One ping is outstanding at a time, so pings
 * never pile up in that queue either.
 */
final class ClientLiveness {

    enum Action { PING, WAIT, DISCONNECT }

    /**
     * A ping that never even reached the socket, while the client says nothing at all, for this many times the
     * usual allowance: the connection is stuck both ways (a vanished client whose TCP never reset).
     */
    static final int STUCK_FACTOR = 4;

    private final long intervalMillis;
    private final long timeoutMillis;
    private boolean outstanding;
    private long writtenAt = -1; // when the outstanding ping left our send queue; -1 while it waits there

    ClientLiveness(long intervalMillis, long timeoutMillis) {
        this.intervalMillis = intervalMillis;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Runs every interval. {@code lastHeard}: when the client last sent anything. PING means send one now (then
     * call {@link #pingSent}); DISCONNECT means the client is gone.
     */
    synchronized Action tick(long now, long lastHeard) {
        if (!outstanding) {
            return Action.PING;
        }
        long silent = now - lastHeard;
        long allowance = intervalMillis + timeoutMillis;
        if (writtenAt < 0) {
            return silent > STUCK_FACTOR * allowance ? Action.DISCONNECT : Action.WAIT;
        }
        return now - writtenAt > timeoutMillis && silent > allowance ? Action.DISCONNECT : Action.WAIT;
    }

    synchronized void pingSent() {
        outstanding = true;
        writtenAt = -1;
    }

    /** Our ping left the send queue (the packet queued behind it was written). */
    synchronized void pingWritten(long now) {
        if (outstanding && writtenAt < 0) {
            writtenAt = now;
        }
    }

    /** The client answered the ping (OpenSSH answers an unknown request with FAILURE). */
    synchronized void replied() {
        outstanding = false;
        writtenAt = -1;
    }
}
