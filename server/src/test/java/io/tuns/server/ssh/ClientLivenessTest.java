package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.ssh.ClientLiveness.Action;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * --ping-client-interval 5s and --ping-client-timeout 5s. A ping is sent at t=0 (written to the socket at
 * {@code writtenAt}, or never: -1); at {@code now} the client was last heard at {@code lastHeard}.
 */
class ClientLivenessTest {

    @ParameterizedTest(name = "written {0}, heard {1}, now {2} -> {3}")
    @CsvSource(textBlock = """
            # written at once, the client answers nothing and says nothing: dead after interval + timeout of silence
            0,     -1,     5000,   WAIT
            0,     -1,     10001,  DISCONNECT
            # silent since before the ping, but the ping is only 3 s on the wire: not yet
            8000,  -1,     11000,  WAIT
            8000,  -1,     13001,  DISCONNECT
            # a busy client: channel data heard a moment ago, ping not answered yet: alive
            0,     29000,  30000,  WAIT
            0,     19000,  30000,  DISCONNECT
            # our own send queue is full: the ping has not left it, the client is busy sending: alive
            -1,    29000,  30000,  WAIT
            # ... and even silent for a while: the wait is ours
            -1,    -1,     30000,  WAIT
            # stuck both ways for four times the allowance: gone
            -1,    -1,     40001,  DISCONNECT
            """)
    void deadOnlyWhenSilentAfterOurPingReallyWentOut(long writtenAt, long lastHeard, long now, Action expected) {
        ClientLiveness l = new ClientLiveness(5000, 5000);
        assertThat(l.tick(-1, -1)).isEqualTo(Action.PING);
        l.pingSent();
        if (writtenAt >= 0) {
            l.pingWritten(writtenAt);
        }
        assertThat(l.tick(now, lastHeard)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "after a reply the next tick pings again")
    @CsvSource({"0, 100000"})
    void aReplyAllowsTheNextPingAndOnlyOneIsOutstanding(long writtenAt, long now) {
        ClientLiveness l = new ClientLiveness(5000, 5000);
        l.pingSent();
        l.pingWritten(writtenAt);
        assertThat(l.tick(1000, 900)).as("one outstanding: no second ping").isEqualTo(Action.WAIT);
        l.replied();
        assertThat(l.tick(now, now - 1)).isEqualTo(Action.PING);
    }
}
