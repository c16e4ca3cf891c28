package io.tuns.server.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Replies to want-reply global requests, strictly in arrival order: OpenSSH matches replies to requests by
 * order alone, so a keepalive answered ahead of a deferred tcpip-forward would be taken for its answer.
 */
final class ReplyQueue {

    /** One reply owed to the client. */
    static final class Slot {
        private boolean done;
        private boolean success;
        private int port = -1;
    }

    private final Session session;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();

    ReplyQueue(Session session) {
        this.session = session;
    }

    synchronized Slot take() {
        Slot s = new Slot();
        slots.add(s);
        return s;
    }

    /** Completes a slot; {@code port} ≥ 0 is appended (OpenSSH reads it only when it asked for port 0). */
    void complete(Slot slot, boolean success, int port) {
        if (slot == null) {
            return;
        }
        synchronized (this) {
            if (slot.done) {
                return;
            }
            slot.done = true;
            slot.success = success;
            slot.port = port;
            while (!slots.isEmpty() && slots.peek().done) {
                Slot s = slots.poll();
                send(s);
            }
        }
    }

    private void send(Slot s) {
        if (session.isClosing() || !session.isOpen()) {
            return;
        }
        Buffer b = session.createBuffer(s.success ? SshConstants.SSH_MSG_REQUEST_SUCCESS
                : SshConstants.SSH_MSG_REQUEST_FAILURE, 8);
        if (s.success && s.port >= 0) {
            b.putUInt(s.port);
        }
        try {
            session.writePacket(b);
        } catch (IOException e) {
            session.close(true);
        }
    }
}
