package io.tuns.server.access;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts SSH connections that have not authenticated yet and closes a new one at once when
 * {@link StartupAdmission} says so, before the server sends its version line: a storm of reconnecting clients then
 * costs no key exchange beyond the bound, the admitted ones finish within {@code --cleanup-unauthed-timeout} and
 * the rest retry. A counted session is released exactly once: when it authenticates or when it closes.
 */
public final class SshStartups implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(SshStartups.class);
    /** Present while the session holds one count; removed (atomically) by whichever exit comes first. */
    private static final AttributeKey<Boolean> COUNTED = new AttributeKey<>();

    private final StartupAdmission admission;
    private final DoubleSupplier random;
    private final Runnable onDrop;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Drops since the last log line; a storm drops thousands a second, so they are logged once a second. */
    private final AtomicLong unlogged = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private static final long LOG_EVERY_NANOS = 1_000_000_000L;

    public SshStartups(StartupAdmission admission, DoubleSupplier random, Runnable onDrop) {
        this.admission = admission;
        this.random = random;
        this.onDrop = onDrop;
    }

    @Override
    public void sessionCreated(Session session) {
        int n = inFlight.incrementAndGet();
        if (!admission.admit(n - 1, random.getAsDouble())) {
            inFlight.decrementAndGet();
            onDrop.run();
            logDrop(n - 1);
            session.getIoSession().close(true);
            return;
        }
        session.setAttribute(COUNTED, Boolean.TRUE);
    }

    @Override
    public void sessionEvent(Session session, Event event) {
        if (event == Event.Authenticated) {
            release(session);
        }
    }

    @Override
    public void sessionClosed(Session session) {
        release(session);
    }

    private void logDrop(int inFlightNow) {
        unlogged.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_EVERY_NANOS && lastLogNanos.compareAndSet(last, now)) {
            log.info("event=ssh_startups_dropped count={} not_logged_in={} (--max-startups)",
                    unlogged.getAndSet(0), inFlightNow);
        }
    }

    private void release(Session session) {
        if (session.removeAttribute(COUNTED) != null) {
            inFlight.decrementAndGet();
        }
    }

    /** Connections admitted and not yet authenticated or closed. */
    public int inFlight() {
        return inFlight.get();
    }
}
