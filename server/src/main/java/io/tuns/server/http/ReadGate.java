package io.tuns.server.http;

import io.netty.channel.Channel;
import java.util.EnumSet;

/**
 * Reading from a client connection stops while any reason holds and resumes when none does. Several parts
 * pause for their own reasons (a tunnel channel still opening, the SSH side full, a pipelined request
 * waiting); one place decides, so one part's resume never undoes another's pause. Whoever times the client is told
 * when reading resumes, since a pause of ours is no delay of the client's. Event loop only.
 */
final class ReadGate {

    enum Reason { OPENING, SSH_FULL, PIPELINED, UPGRADING, LOCATING }

    private final Channel channel;
    private final Runnable resumed;
    private final EnumSet<Reason> reasons = EnumSet.noneOf(Reason.class);

    /** @param resumed run each time reading starts again after a pause */
    ReadGate(Channel channel, Runnable resumed) {
        this.channel = channel;
        this.resumed = resumed;
    }

    void pause(Reason reason) {
        reasons.add(reason);
        channel.config().setAutoRead(false);
    }

    void resume(Reason reason) {
        if (reasons.remove(reason) && reasons.isEmpty()) {
            channel.config().setAutoRead(true);
            resumed.run();
            channel.read();
            // Reading again gives an HTTP/2 client its stream window back: Netty's stream channel writes that
            // WINDOW_UPDATE from read() but flushes it only if no read was already pending, and one is after any
            // earlier resume. Unflushed, the client waits with no window while we wait for bytes: the upload stalls
            // until the body timeout (408). On an HTTP/1.1 channel this flushes nothing.
            channel.flush();
        }
    }

    /** The reasons holding reading now (for tests and debugging). */
    @Override
    public String toString() {
        return reasons.toString();
    }

    void set(Reason reason, boolean paused) {
        if (paused) {
            pause(reason);
        } else {
            resume(reason);
        }
    }
}
