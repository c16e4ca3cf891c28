package io.tuns.server.http;

import io.netty.channel.Channel;
import java.util.EnumSet;

/**
 * Reading from a client connection stops while any reason holds and resumes when none does. Several parts
 * pause for their own reasons (a tunnel channel still opening, the SSH side full, a pipelined request
 * waiting); one place decides, so one part's resume never undoes another's pause. Event loop only.
 */
final class ReadGate {

    enum Reason { OPENING, SSH_FULL, PIPELINED, UPGRADING, LOCATING }

    private final Channel channel;
    private final EnumSet<Reason> reasons = EnumSet.noneOf(Reason.class);

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void pause(Reason reason) {
        reasons.add(reason);
        channel.config().setAutoRead(false);
    }

    void resume(Reason reason) {
        if (reasons.remove(reason) && reasons.isEmpty()) {
            channel.config().setAutoRead(true);
            channel.read();
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
