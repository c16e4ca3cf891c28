package io.tuns.server.http;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The two waits a public client may make tuns do, as nginx's client_header_timeout and client_body_timeout: a
 * request head must come within the head timeout (from the connection's start or the previous exchange's end), and
 * a request body must not pause longer than the body timeout between two reads. Time while tuns itself is not
 * reading (the tunnel full or still opening) is not the client's delay. What to do on expiry is the caller's.
 * Event loop only.
 */
final class ClientDeadlines {

    /** --http-header-timeout (0: none) and --http-body-timeout. */
    record Settings(Duration headTimeout, Duration bodyTimeout) {
    }

    private final Settings settings;
    private final Channel client;
    private final Runnable headExpired;
    private final BooleanSupplier bodyPending;
    private final Runnable bodyExpired;
    private ScheduledFuture<?> headTimer;
    private ScheduledFuture<?> bodyTimer;
    private long lastBodyRead;

    /**
     * @param bodyPending whether a request body is still being read; when not, a due body check does nothing
     */
    ClientDeadlines(Settings settings, Channel client, Runnable headExpired, BooleanSupplier bodyPending,
                    Runnable bodyExpired) {
        this.settings = settings;
        this.client = client;
        this.headExpired = headExpired;
        this.bodyPending = bodyPending;
        this.bodyExpired = bodyExpired;
    }

    /** Waiting for the next request head. */
    void awaitHead() {
        cancelHead();
        long ms = settings.headTimeout().toMillis();
        if (ms > 0) {
            headTimer = client.eventLoop().schedule(() -> {
                headTimer = null;
                headExpired.run();
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** A head arrived: its body's clock starts now. */
    void headArrived() {
        cancelHead();
        bodyRead();
    }

    void bodyRead() {
        lastBodyRead = now();
    }

    /**
     * tuns reads again after a pause of its own: the client's clock restarts, or a pause that fell between two checks
     * would count against it (a long upload slowed by our back-pressure was cut with 408).
     */
    void readingResumed() {
        lastBodyRead = now();
    }

    /**
     * At the end of a read while a body is pending: the body check is armed, once per body (not per chunk, and never
     * for a bodiless request, whose end comes in the same read as its head).
     */
    void awaitBody() {
        if (bodyTimer == null) {
            armBody(settings.bodyTimeout().toNanos());
        }
    }

    /** The body's last byte was read. */
    void bodyDone() {
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
    }

    void cancel() {
        cancelHead();
        bodyDone();
    }

    boolean armed() {
        return headTimer != null || bodyTimer != null;
    }

    private void cancelHead() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    private void armBody(long delayNanos) {
        bodyTimer = client.eventLoop().schedule(this::checkBody, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkBody() {
        bodyTimer = null;
        if (!bodyPending.getAsBoolean()) {
            return;
        }
        long timeout = settings.bodyTimeout().toNanos();
        if (!client.config().isAutoRead()) {
            lastBodyRead = now();
            armBody(timeout); // tuns is not reading: not the client's delay
            return;
        }
        long left = timeout - (now() - lastBodyRead);
        if (left > 0) {
            armBody(left);
            return;
        }
        bodyExpired.run();
    }

    private long now() {
        return client.eventLoop().ticker().nanoTime(); // the clock the timers run on
    }
}
