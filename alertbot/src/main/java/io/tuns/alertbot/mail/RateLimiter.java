package io.tuns.alertbot.mail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/** At most {@code maxPerHour} sends in any sliding hour; the window holds at most that many timestamps. */
public final class RateLimiter {
    private static final Duration WINDOW = Duration.ofHours(1);
    private final int maxPerHour;
    private final Clock clock;
    private final ArrayDeque<Instant> sent = new ArrayDeque<>();

    public RateLimiter(int maxPerHour, Clock clock) {
        this.maxPerHour = maxPerHour;
        this.clock = clock;
    }

    /** Zero if a send is allowed now, else how long until one is. */
    public synchronized Duration waitTime() {
        Instant now = clock.instant();
        while (!sent.isEmpty() && !sent.peekFirst().plus(WINDOW).isAfter(now)) {
            sent.pollFirst();
        }
        if (sent.size() < maxPerHour) {
            return Duration.ZERO;
        }
        return Duration.between(now, sent.peekFirst().plus(WINDOW));
    }

    public synchronized void recordSend() {
        sent.addLast(clock.instant());
        while (sent.size() > maxPerHour) {
            sent.pollFirst();
        }
    }
}
