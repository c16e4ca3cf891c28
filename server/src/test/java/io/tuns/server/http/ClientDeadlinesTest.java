package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The head and body waits on the loop's own clock (moved by the test): each ends by expiring or by being cancelled,
 * and only the client's own delay counts.
 */
class ClientDeadlinesTest {

    final EmbeddedChannel client = new EmbeddedChannel();
    final List<String> expired = new ArrayList<>();
    boolean bodyPending = true;

    ClientDeadlines deadlines(Duration head, Duration body) {
        return new ClientDeadlines(new ClientDeadlines.Settings(head, body), client, () -> expired.add("head"),
                () -> bodyPending, () -> expired.add("body"));
    }

    void pass(long seconds) {
        client.advanceTimeBy(seconds, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
    }

    @Test
    void noHeadInTimeExpires() {
        ClientDeadlines d = deadlines(Duration.ofSeconds(30), Duration.ofSeconds(60));
        d.awaitHead();
        pass(29);
        assertThat(expired).isEmpty();
        pass(1);
        assertThat(expired).containsExactly("head");
        assertThat(d.armed()).isFalse();
    }

    @Test
    void aHeadInTimeCancelsTheWait() {
        ClientDeadlines d = deadlines(Duration.ofSeconds(30), Duration.ofSeconds(60));
        d.awaitHead();
        pass(10);
        d.headArrived();
        assertThat(d.armed()).isFalse();
        pass(60);
        assertThat(expired).isEmpty();
    }

    @Test
    void aZeroHeadTimeoutNeverArms() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        d.awaitHead();
        assertThat(d.armed()).isFalse();
    }

    @Test
    void aBodyThatStopsExpiresOneTimeoutAfterItsLastBytes() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        d.headArrived();
        d.awaitBody();
        pass(40);
        d.bodyRead();
        d.awaitBody(); // armed already: once per body, not per read
        pass(20); // the first check finds the body 20 s old, and looks again 40 s later
        assertThat(expired).isEmpty();
        pass(39);
        assertThat(expired).isEmpty();
        pass(1);
        assertThat(expired).containsExactly("body");
        assertThat(d.armed()).isFalse();
    }

    @Test
    void timeWhileTunsIsNotReadingDoesNotCount() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        d.headArrived();
        d.awaitBody();
        client.config().setAutoRead(false); // the tunnel is full or still opening
        pass(60);
        pass(60);
        assertThat(expired).isEmpty();
        assertThat(d.armed()).isTrue();
        client.config().setAutoRead(true);
        pass(60);
        assertThat(expired).containsExactly("body");
    }

    @Test
    void aPauseOfOursBetweenTwoChecksDoesNotCount() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        ReadGate gate = new ReadGate(client, d::readingResumed);
        d.headArrived();
        d.awaitBody();
        pass(1);
        gate.pause(ReadGate.Reason.SSH_FULL); // the tunnel fills after the last bytes were read
        pass(58);
        gate.resume(ReadGate.Reason.SSH_FULL); // and drains just before the check
        pass(1);
        assertThat(expired).as("the client waited on us, not we on it").isEmpty();
        pass(58);
        assertThat(expired).isEmpty();
        pass(1);
        assertThat(expired).containsExactly("body");
    }

    @Test
    void aBodyThatEndsCancelsTheWait() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        d.headArrived();
        d.awaitBody();
        d.bodyDone();
        assertThat(d.armed()).isFalse();
        pass(120);
        assertThat(expired).isEmpty();
    }

    @Test
    void aDueCheckWithNoBodyPendingDoesNothing() {
        ClientDeadlines d = deadlines(Duration.ZERO, Duration.ofSeconds(60));
        d.headArrived();
        d.awaitBody();
        bodyPending = false; // the exchange ended some other way
        pass(61);
        assertThat(expired).isEmpty();
        assertThat(d.armed()).isFalse();
    }

    @Test
    void cancelStopsBoth() {
        ClientDeadlines d = deadlines(Duration.ofSeconds(30), Duration.ofSeconds(60));
        d.awaitHead();
        d.awaitBody();
        d.cancel();
        assertThat(d.armed()).isFalse();
        pass(120);
        assertThat(expired).isEmpty();
    }
}
