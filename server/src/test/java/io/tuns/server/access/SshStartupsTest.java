package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.config.MaxStartupsSetting;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.session.Session;
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
        FakeSession a = new FakeSession();
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
        FakeSession a = new FakeSession();
        startups.sessionCreated(a.session);
        startups.sessionEvent(a.session, Event.KexCompleted); // not an exit
        assertThat(startups.inFlight()).isEqualTo(1);
        startups.sessionClosed(a.session);
        startups.sessionClosed(a.session);
        assertThat(startups.inFlight()).isZero();
    }

    @Test
    void beyondTheBoundANewConnectionIsClosedAtOnceAndCountedAsDropped() {
        FakeSession a = new FakeSession();
        FakeSession b = new FakeSession();
        FakeSession c = new FakeSession();
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
        FakeSession d = new FakeSession();
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
        FakeSession[] many = new FakeSession[100];
        for (int i = 0; i < many.length; i++) {
            many[i] = new FakeSession();
            off.sessionCreated(many[i].session);
        }
        assertThat(drops).hasValue(0);
        for (FakeSession s : many) {
            assertThat(s.closed).isFalse();
            off.sessionClosed(s.session);
        }
        assertThat(off.inFlight()).isZero();
    }

    /** A Session that keeps attributes and an IoSession that records close(true). */
    private static final class FakeSession {
        final Map<Object, Object> attributes = new HashMap<>();
        boolean closed;
        final Session session;

        FakeSession() {
            IoSession io = (IoSession) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {IoSession.class},
                    (p, m, args) -> {
                        if (m.getName().equals("close")) {
                            closed = true;
                        }
                        return null;
                    });
            session = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "setAttribute" -> attributes.put(args[0], args[1]);
                        case "getAttribute" -> attributes.get(args[0]);
                        case "removeAttribute" -> attributes.remove(args[0]);
                        case "getIoSession" -> io;
                        case "getRemoteAddress" -> new InetSocketAddress("127.0.0.1", 1);
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        case "toString" -> "FakeSession";
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }
}
