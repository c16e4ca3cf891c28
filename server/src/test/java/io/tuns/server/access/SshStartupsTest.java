package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.MaxStartupsSetting;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.session.SessionListener.Event;
import org.junit.jupiter.api.Test;

/**
 * The count of connections not yet logged in: every exit (authenticated, closed before, closed after, dropped)
 * releases exactly once. The sessions are stand-ins holding attributes and recording a close, because the class
 * only counts; {@code MaxStartupsIT} runs it against real ssh.
 */
class SshStartupsTest {

    private final AtomicInteger drops = new AtomicInteger();
    private final SshStartups startups = new SshStartups(
            new StartupAdmission(MaxStartupsSetting.parse("2")), () -> 0.5, drops::incrementAndGet);

    @Test
    void authenticatedReleasesOnceAndItsLaterCloseDoesNotReleaseAgain() {
        FakeSshSession a = new FakeSshSession();
        startups.sessionCreated(a.session);
        assertThat(startups.inFlight()).isEqualTo(1);
        startups.sessionEvent(a.session, Event.Authenticated);
        assertThat(startups.inFlight()).isZero();
        startups.sessionEvent(a.session, Event.Authenticated); // a repeated event changes nothing
        startups.sessionClosed(a.session);
        assertThat(startups.inFlight()).isZero();
        assertThat(a.closed).isFalse();
    }

    @Test
    void closedBeforeLoginReleasesOnce() {
        FakeSshSession a = new FakeSshSession();
        startups.sessionCreated(a.session);
        startups.sessionEvent(a.session, Event.KexCompleted); // not an exit
        assertThat(startups.inFlight()).isEqualTo(1);
        startups.sessionClosed(a.session);
        startups.sessionClosed(a.session);
        assertThat(startups.inFlight()).isZero();
    }

    @Test
    void beyondTheBoundANewConnectionIsClosedAtOnceAndCountedAsDropped() {
        FakeSshSession a = new FakeSshSession();
        FakeSshSession b = new FakeSshSession();
        FakeSshSession c = new FakeSshSession();
        startups.sessionCreated(a.session);
        startups.sessionCreated(b.session);
        startups.sessionCreated(c.session);
        assertThat(c.closed).isTrue();
        assertThat(a.closed || b.closed).isFalse();
        assertThat(drops).hasValue(1);
        assertThat(startups.inFlight()).isEqualTo(2);
        startups.sessionClosed(c.session); // the dropped one's close releases nothing it did not hold
        assertThat(startups.inFlight()).isEqualTo(2);

        startups.sessionEvent(a.session, Event.Authenticated); // a slot frees: the next one is admitted
        FakeSshSession d = new FakeSshSession();
        startups.sessionCreated(d.session);
        assertThat(d.closed).isFalse();
        startups.sessionClosed(a.session);
        startups.sessionClosed(b.session);
        startups.sessionClosed(d.session);
        assertThat(startups.inFlight()).isZero();
    }

    @Test
    void offAdmitsEveryConnection() {
        SshStartups off = new SshStartups(new StartupAdmission(MaxStartupsSetting.OFF), () -> 0.0, drops::incrementAndGet);
        FakeSshSession[] many = new FakeSshSession[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = new FakeSshSession();
            off.sessionCreated(many[i].session);
        }
        assertThat(drops).hasValue(0);
        for (FakeSshSession s : many) {
            assertThat(s.closed).isFalse();
            off.sessionClosed(s.session);
        }
        assertThat(off.inFlight()).isZero();
    }
}
