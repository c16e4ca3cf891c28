package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private ConnectionLimiter limiter(int maxConnections, int maxFailures) {
        return new ConnectionLimiter(maxConnections, maxFailures, Duration.ofMinutes(10), Duration.ofMinutes(10),
                now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void connectionsPerIpAreCountedAndReleased() throws Exception {
        ConnectionLimiter l = limiter(2, 0);
        InetAddress a = InetAddress.getByName("203.0.113.7");
        InetAddress b = InetAddress.getByName("203.0.113.8");
        assertThat(l.admit(a)).isNull();
        assertThat(l.admit(a)).isNull();
        assertThat(l.admit(a)).isEqualTo("too many connections from 203.0.113.7 (2 open, the limit is 2); close one"
                + " and try again");
        assertThat(l.admit(b)).as("another IP").isNull();
        l.release(a);
        assertThat(l.admit(a)).isNull();
        l.release(a);
        l.release(a);
        l.release(a); // more releases than admits never go negative
        assertThat(l.openConnections(a)).isZero();
    }

    @Test
    void zeroTurnsTheLimitsOff() throws Exception {
        ConnectionLimiter l = limiter(0, 0);
        InetAddress a = InetAddress.getByName("203.0.113.7");
        for (int i = 0; i < 1000; i++) {
            assertThat(l.admit(a)).isNull();
            assertThat(l.authFailed(a)).isNull();
        }
    }

    @Test
    void failuresInTheWindowLeadToABanThatEnds() throws Exception {
        ConnectionLimiter l = limiter(0, 3);
        InetAddress a = InetAddress.getByName("203.0.113.7");
        assertThat(l.authFailed(a)).isNull();
        assertThat(l.authFailed(a)).isNull();
        assertThat(l.authFailed(a)).isEqualTo("too many failed authentications from 203.0.113.7; try again in 10 minutes");
        assertThat(l.admit(a)).startsWith("too many failed authentications");
        assertThat(l.admit(InetAddress.getByName("203.0.113.8"))).isNull();
        advance(Duration.ofMinutes(9).plusSeconds(30));
        assertThat(l.banned(a)).endsWith("try again in 30 seconds");
        advance(Duration.ofSeconds(31));
        assertThat(l.banned(a)).isNull();
        assertThat(l.admit(a)).isNull();
        assertThat(l.authFailed(a)).as("a fresh window after the ban").isNull();
    }

    @Test
    void failuresOlderThanTheWindowDoNotCount() throws Exception {
        ConnectionLimiter l = limiter(0, 3);
        InetAddress a = InetAddress.getByName("2001:db8::7");
        l.authFailed(a);
        l.authFailed(a);
        advance(Duration.ofMinutes(11));
        assertThat(l.authFailed(a)).isNull();
        assertThat(l.authFailed(a)).isNull();
        assertThat(l.authFailed(a)).contains("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void theFailureTableIsBounded() throws Exception {
        ConnectionLimiter l = limiter(0, 2);
        InetAddress first = InetAddress.getByName("10.0.0.1");
        l.authFailed(first);
        for (int i = 0; i < ConnectionLimiter.MAX_TRACKED_IPS; i++) {
            l.authFailed(InetAddress.getByAddress(new byte[] {11, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        // the oldest record was dropped, so this is its first failure again, not its second
        assertThat(l.authFailed(first)).isNull();
    }

    @Test
    void durationsAreRoundedUpForPeople() {
        assertThat(ConnectionLimiter.humanDuration(Duration.ofMinutes(10).toNanos())).isEqualTo("10 minutes");
        assertThat(ConnectionLimiter.humanDuration(Duration.ofSeconds(61).toNanos())).isEqualTo("2 minutes");
        assertThat(ConnectionLimiter.humanDuration(Duration.ofSeconds(60).toNanos())).isEqualTo("1 minute");
        assertThat(ConnectionLimiter.humanDuration(Duration.ofMillis(1).toNanos())).isEqualTo("1 second");
    }
}
