package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One part's resume never undoes another's pause; reading resumes only when no reason holds, and the resume hook
 * runs exactly then.
 */
class ReadGateTest {

    final AtomicInteger resumes = new AtomicInteger();

    @Test
    void readingResumesOnlyWhenEveryReasonIsGone() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReadGate gate = new ReadGate(ch, resumes::incrementAndGet);
        gate.pause(ReadGate.Reason.OPENING);
        gate.pause(ReadGate.Reason.UPGRADING);
        assertThat(ch.config().isAutoRead()).isFalse();
        gate.resume(ReadGate.Reason.OPENING);
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(gate.toString()).isEqualTo("[UPGRADING]");
        assertThat(resumes).hasValue(0);
        gate.resume(ReadGate.Reason.UPGRADING);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(resumes).hasValue(1);
    }

    @Test
    void resumingAReasonThatDoesNotHoldChangesNothing() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReadGate gate = new ReadGate(ch, resumes::incrementAndGet);
        gate.pause(ReadGate.Reason.SSH_FULL);
        gate.resume(ReadGate.Reason.PIPELINED);
        assertThat(ch.config().isAutoRead()).isFalse();
        gate.set(ReadGate.Reason.SSH_FULL, false);
        assertThat(ch.config().isAutoRead()).isTrue();
        gate.set(ReadGate.Reason.SSH_FULL, true);
        gate.set(ReadGate.Reason.SSH_FULL, true); // twice is once
        gate.set(ReadGate.Reason.SSH_FULL, false);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(resumes).as("one resume per pause that ended").hasValue(2);
    }
}
