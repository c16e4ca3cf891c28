package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** deadline=, auto-close=true and --cleanup-unbound end connections with sish's messages. */
class SessionCommandsIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--cleanup-unbound", "--cleanup-unbound-timeout=2s");
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void deadlineClosesTheConnectionWithAMessage() throws Exception {
        SshClient c = tuns.ssh("-R", "dl:80:127.0.0.1:" + backend.port(), "127.0.0.1", "deadline=2s");
        c.httpUrl();
        c.await("Connection deadline reached. Closing connection.", Duration.ofSeconds(10));
        assertThat(c.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        LifecycleIT.eventually(() -> tuns.server.registry().httpTunnel("dl.localhost").isEmpty(), Duration.ofSeconds(3),
                "route gone after the deadline");
    }

    @Test
    void unboundConnectionIsCleanedUp() throws Exception {
        SshClient c = tuns.ssh("127.0.0.1");
        c.await("No forwarding requests sent. Closing connection.", Duration.ofSeconds(10));
        assertThat(c.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void autoCloseEndsTheConnectionWhenItsLastForwardIsCancelled() throws Exception {
        java.nio.file.Path sock = tuns.dir.resolve("ac.sock");
        SshClient master = tuns.ssh("-M", "-S", sock.toString(), "-R", "ac:80:127.0.0.1:" + backend.port(), "127.0.0.1",
                "auto-close=true");
        master.httpUrl();
        SshClient cancel = tuns.ssh("-S", sock.toString(), "-O", "cancel", "-R", "ac:80:127.0.0.1:" + backend.port(),
                "127.0.0.1");
        cancel.process().waitFor();
        assertThat(master.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as(master.output()).isTrue();
    }
}
