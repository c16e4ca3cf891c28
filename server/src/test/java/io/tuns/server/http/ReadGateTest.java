package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** One part's resume never undoes another's pause; reading resumes only when no reason holds. */
class ReadGateTest {

    @Test
    void readingResumesOnlyWhenEveryReasonIsGone() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReadGate gate = new ReadGate(ch);
        gate.pause(ReadGate.Reason.OPENING);
        gate.pause(ReadGate.Reason.UPGRADING);
        assertThat(ch.config().isAutoRead()).isFalse();
        gate.resume(ReadGate.Reason.OPENING);
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(gate.toString()).isEqualTo("[UPGRADING]");
        gate.resume(ReadGate.Reason.UPGRADING);
        assertThat(ch.config().isAutoRead()).isTrue();
    }

    @Test
    void resumingAReasonThatDoesNotHoldChangesNothing() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ReadGate gate = new ReadGate(ch);
        gate.pause(ReadGate.Reason.SSH_FULL);
        gate.resume(ReadGate.Reason.PIPELINED);
        assertThat(ch.config().isAutoRead()).isFalse();
        gate.set(ReadGate.Reason.SSH_FULL, false);
        assertThat(ch.config().isAutoRead()).isTrue();
        gate.set(ReadGate.Reason.SSH_FULL, true);
        gate.set(ReadGate.Reason.SSH_FULL, true); // twice is once
        gate.set(ReadGate.Reason.SSH_FULL, false);
        assertThat(ch.config().isAutoRead()).isTrue();
    }
}
