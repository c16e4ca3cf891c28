package io.tuns.server.http;

import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/2 connection that has had no open stream for {@code idleMillis}, as an HTTP/1.1 keep-alive
 * connection is closed when no request head comes: without it a silent client would hold its TLS connection for
 * good. Event loop only (stream channels share their connection's loop).
 */
final class H2StreamCount {

    private final Channel connection;
    private final long idleMillis;
    private int open;
    private ScheduledFuture<?> timer;

    /** @param idleMillis 0 = never close for idleness */
    H2StreamCount(Channel connection, long idleMillis) {
        this.connection = connection;
        this.idleMillis = idleMillis;
        arm();
    }

    /** A stream channel was created; its close is counted by itself. */
    void opened(Channel stream) {
        open++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        stream.closeFuture().addListener(f -> closed());
    }

    int open() {
        return open;
    }

    private void closed() {
        if (--open == 0) {
            arm();
        }
    }

    private void arm() {
        if (idleMillis <= 0 || !connection.isOpen()) {
            return;
        }
        timer = connection.eventLoop().schedule(() -> {
            if (open == 0) {
                connection.close(); // the frame codec says GOAWAY first
            }
        }, idleMillis, TimeUnit.MILLISECONDS);
    }
}
