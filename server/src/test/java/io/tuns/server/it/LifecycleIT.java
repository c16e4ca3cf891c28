package io.tuns.server.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routes appear and disappear with their ssh connections, whatever way those end. */
class LifecycleIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--ping-client-interval=1s", "--ping-client-timeout=1s");
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    static void eventually(BooleanSupplier cond, Duration timeout, String what) throws InterruptedException {
        await(what).atMost(timeout).pollInterval(Duration.ofMillis(25)).until(cond::getAsBoolean);
    }

    @Test
    void killMinus9MidTransferFreesTheRouteAndLeavesOthersAlone() throws Exception {
        SshClient victim = tuns.ssh("-R", "victim:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        SshClient bystander = tuns.ssh("-R", "bystander:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        victim.httpUrl();
        bystander.httpUrl();
        Process download = new ProcessBuilder("curl", "-sS", "-o", "/dev/null",
                "http://victim.localhost:" + tuns.server.httpPort() + "/bytes?size=2000000000").start();
        Thread.sleep(1000);
        victim.kill9();
        // ssh's TCP connection closes with the process: the route goes at once, not after keepalives
        eventually(() -> tuns.server.registry().httpTunnel("victim.localhost").isEmpty(), Duration.ofSeconds(3),
                "victim route removed");
        assertThat(download.waitFor()).as("the cut download fails visibly").isNotZero();
        assertThat(tuns.get("bystander.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        assertThat(tuns.get("victim.localhost", "/hello").statusCode()).isEqualTo(404);
    }

    @Test
    void sameKeyReconnectingTakesItsNameOverAtOnce() throws Exception {
        SshClient first = tuns.ssh("-R", "stable:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        first.httpUrl();
        // the old process is frozen, as after a network drop: its TCP connection stays open
        new ProcessBuilder("kill", "-STOP", String.valueOf(first.pid())).start().waitFor();
        try {
            SshClient second = tuns.ssh("-R", "stable:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(second.httpUrl()).startsWith("http://stable.localhost:");
            assertThat(second.output()).contains("was held by an earlier connection with your key");
            assertThat(tuns.get("stable.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        } finally {
            new ProcessBuilder("kill", "-CONT", String.valueOf(first.pid())).start().waitFor();
        }
    }

    @Test
    void frozenClientIsFoundByKeepalivesAndItsRouteFreed() throws Exception {
        SshClient frozen = tuns.ssh("-R", "frozen:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        frozen.httpUrl();
        new ProcessBuilder("kill", "-STOP", String.valueOf(frozen.pid())).start().waitFor();
        try {
            // interval 1 s + timeout 1 s: gone within a few seconds
            eventually(() -> tuns.server.registry().httpTunnel("frozen.localhost").isEmpty(), Duration.ofSeconds(8),
                    "frozen client's route removed by keepalive");
        } finally {
            new ProcessBuilder("kill", "-CONT", String.valueOf(frozen.pid())).start().waitFor();
        }
    }

    @Test
    void connectionsDroppedDuringSetupLeakNothing() throws Exception {
        int before = tuns.server.registry().size();
        for (int i = 0; i < 40; i++) {
            SshClient c = tuns.ssh("-N", "-R", "drop" + i + ":80:127.0.0.1:" + backend.port(), "127.0.0.1");
            Thread.sleep(30 + (i % 5) * 40);
            c.kill9();
        }
        eventually(() -> tuns.server.registry().httpTunnels().stream().noneMatch(t -> t.host().startsWith("drop")),
                Duration.ofSeconds(10), "no dropN route left");
        assertThat(tuns.server.registry().size()).isLessThanOrEqualTo(before);
    }

    @Test
    void ctrlCInTheSessionClosesTheConnection() throws Exception {
        SshClient c = tuns.ssh("-tt", "-R", "ctrlc:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        c.httpUrl();
        c.send(new byte[] {0x03});
        eventually(() -> tuns.server.registry().httpTunnel("ctrlc.localhost").isEmpty(), Duration.ofSeconds(5),
                "route removed after Ctrl-C");
    }

    @Test
    void secondSessionAndSecondExecOnOneConnectionAreHandled() throws Exception {
        java.nio.file.Path sock = tuns.dir.resolve("cm.sock");
        SshClient master = tuns.ssh("-M", "-S", sock.toString(), "-R", "multi:80:127.0.0.1:" + backend.port(),
                "127.0.0.1");
        master.httpUrl();
        // ControlMaster multiplexing opens a second session channel on the same connection (crashes sish)
        SshClient extra = tuns.ssh("-S", sock.toString(), "127.0.0.1", "deadline=1h");
        extra.await("already has a session", Duration.ofSeconds(10));
        assertThat(tuns.get("multi.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        // cancel-tcpip-forward through the master
        SshClient cancel = tuns.ssh("-S", sock.toString(), "-O", "cancel", "-R", "multi:80:127.0.0.1:" + backend.port(),
                "127.0.0.1");
        assertThat(cancel.process().waitFor()).isZero();
        eventually(() -> tuns.server.registry().httpTunnel("multi.localhost").isEmpty(), Duration.ofSeconds(5),
                "cancelled route removed");
    }

    @Test
    void garbageOnTheHttpPortDoesNotDisturbTunnels() throws Exception {
        SshClient ssh = tuns.ssh("-R", "sturdy:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        ssh.httpUrl();
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", tuns.server.httpPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("\u0000\u0001garbage " + i + "\r\n\r\n\u00ff\u00fe").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                s.getInputStream().read(new byte[1024]);
            } catch (java.io.IOException ignored) {
                // a reset is fine
            }
        }
        assertThat(tuns.get("sturdy.localhost", "/hello").body()).isEqualTo("hello from backend\n");
    }
}
