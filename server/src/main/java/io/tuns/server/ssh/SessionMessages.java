package io.tuns.server.ssh;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * Lines for the user's ssh session. Never blocks a caller (sish blocks HTTP requests on a user who does not
 * read): at most {@code maxQueued} lines wait, newer ones are dropped, one write is in flight. Lines sent
 * before a session channel exists (or with {@code ssh -N}) wait in the same bounded queue.
 */
final class SessionMessages {

    private final int maxQueued;
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private IoOutputStream out;
    private boolean inFlight;
    private long dropped;

    SessionMessages(int maxQueued) {
        this.maxQueued = maxQueued;
    }

    void send(String line) {
        synchronized (this) {
            if (queue.size() >= maxQueued) {
                dropped++;
                return;
            }
            queue.add(line + "\r\n"); // the client's terminal may be in raw mode
        }
        pump();
    }

    /**
     * @param first a message that goes before everything queued (sish's welcome, which sish writes the moment the
     *              session channel opens, so it always precedes the forward blocks), or null
     */
    void attach(IoOutputStream stream, String first) {
        synchronized (this) {
            out = stream;
            if (first != null) {
                queue.addFirst(first + "\r\n"); // one over the bound at most, once per connection
            }
        }
        pump();
    }

    synchronized long dropped() {
        return dropped;
    }

    private void pump() {
        IoOutputStream target;
        StringBuilder text = new StringBuilder();
        synchronized (this) {
            if (inFlight || out == null || out.isClosing() || queue.isEmpty()) {
                return;
            }
            while (!queue.isEmpty()) {
                text.append(queue.poll());
            }
            inFlight = true;
            target = out;
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try {
            ThreadUtils.runAsInternal(() -> target.writeBuffer(new ByteArrayBuffer(bytes)))
                    .addListener(f -> {
                        synchronized (this) {
                            inFlight = false;
                        }
                        if (f.isWritten()) {
                            pump();
                        }
                    });
        } catch (Exception e) {
            synchronized (this) {
                inFlight = false;
                out = null;
            }
        }
    }
}
