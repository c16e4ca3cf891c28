package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** Each way through the limits gate, and what each leaves held. */
class ConnectionLimitsTest {

    @Test
    void forwardsUpToTheLimitThenARefusalNamingTheFlag() {
        ConnectionLimits l = new ConnectionLimits(new ConnectionLimits.Settings(2, 8, 8), new Semaphore(8));
        assertThat(l.forwardRefusal(0)).isNull();
        assertThat(l.forwardRefusal(1)).isNull();
        assertThat(l.forwardRefusal(2)).contains("already has 2 forwards").contains("--max-forwards-per-connection");
    }

    @Test
    void aChannelTakesOneSlotOfEachAndReleaseGivesBothBack() {
        Semaphore server = new Semaphore(8);
        ConnectionLimits l = new ConnectionLimits(new ConnectionLimits.Settings(64, 8, 8), server);
        assertThat(l.tryOpenChannel()).isNull();
        assertThat(l.openChannels()).isEqualTo(1);
        assertThat(server.availablePermits()).isEqualTo(7);
        l.releaseChannel();
        assertThat(l.openChannels()).isZero();
        assertThat(server.availablePermits()).isEqualTo(8);
    }

    @Test
    void theConnectionLimitRefusesAndHoldsNothing() {
        Semaphore server = new Semaphore(8);
        ConnectionLimits l = new ConnectionLimits(new ConnectionLimits.Settings(64, 1, 8), server);
        assertThat(l.tryOpenChannel()).isNull();
        assertThat(l.tryOpenChannel()).contains("--max-channels-per-connection");
        assertThat(l.openChannels()).isEqualTo(1);
        assertThat(server.availablePermits()).isEqualTo(7);
    }

    @Test
    void theServerLimitRefusesAndHoldsNothing() {
        Semaphore server = new Semaphore(1);
        ConnectionLimits a = new ConnectionLimits(new ConnectionLimits.Settings(64, 8, 1), server);
        ConnectionLimits b = new ConnectionLimits(new ConnectionLimits.Settings(64, 8, 1), server);
        assertThat(a.tryOpenChannel()).isNull();
        assertThat(b.tryOpenChannel()).contains("the server has 1 tunnel connections open").contains("--max-forwarded-channels");
        assertThat(b.openChannels()).isZero();
        a.releaseChannel();
        assertThat(b.tryOpenChannel()).isNull();
    }
}
