package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.MaxStartupsSetting;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The per-IP connection count is given back exactly once on every way a session ends, also when a listener before
 * this one (--max-startups) closed it inside sessionCreated and MINA reported the close before our own
 * sessionCreated ran: that order used to count the session for good, and after --max-connections-per-ip such drops
 * the IP was refused forever.
 */
class SshGateTest {

    static final InetAddress LOCAL = InetAddress.getLoopbackAddress();

    final ConnectionLimiter limiter = new ConnectionLimiter(1, 10, Duration.ofMinutes(10), Duration.ofMinutes(10),
            System::nanoTime);
    final SshGate gate = new SshGate(IpFilter.of(java.util.List.of(), java.util.List.of()), limiter);

    @Test
    void aSessionDroppedBeforeTheGateSawItIsNeverCounted() {
        SshStartups startups = new SshStartups(new StartupAdmission(MaxStartupsSetting.parse("1")), () -> 0.5, () -> { });
        FakeSshSession holder = new FakeSshSession();
        startups.sessionCreated(holder.session); // takes the one start-up slot, from another IP in real life
        FakeSshSession dropped = new FakeSshSession();
        startups.sessionCreated(dropped.session);
        assertThat(dropped.closed).isTrue();
        gate.sessionClosed(dropped.session); // MINA told the close first
        gate.sessionCreated(dropped.session);
        assertThat(limiter.admit(LOCAL)).as("the slot of a session that never counted").isNull();
    }

    @Test
    void aSessionClosedWhileBeingCountedGivesItsCountBack() {
        FakeSshSession s = new FakeSshSession();
        gate.sessionCreated(s.session);
        s.closed = true;
        gate.sessionClosed(s.session);
        gate.sessionClosed(s.session); // twice is once
        assertThat(limiter.admit(LOCAL)).isNull();
    }

    @Test
    void anOpenSessionHoldsItsCountUntilItCloses() {
        FakeSshSession s = new FakeSshSession();
        gate.sessionCreated(s.session);
        assertThat(limiter.admit(LOCAL)).as("one connection per IP").isNotNull();
        s.closed = true;
        gate.sessionClosed(s.session);
        assertThat(limiter.admit(LOCAL)).isNull();
    }
}
