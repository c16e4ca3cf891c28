package io.tuns.server.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import io.tuns.server.memory.MemoryBudget;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TCP port forwards and private aliases (-W, -L, ProxyCommand/-J) with the real OpenSSH client. */
class TcpAndAliasIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        backend = new TestBackend();
    }

    /**
     * TCP bridges and aliases (both of their sides) reserve SSH windows and count queued bytes in the memory budget;
     * once the server has closed every connection, all of it has come back (tests here leave keep-alive
     * connections open, so the check is at the end).
     */
    @AfterAll
    static void stop() throws Exception {
        MemoryBudget memory = tuns.server.memory();
        tuns.close();
        backend.close();
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(memory.inUse(MemoryBudget.Kind.SSH_WINDOW)).as("windows reserved").isZero();
            assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("queued bytes").isZero();
        });
        assertThat(memory.accountingErrors()).isZero();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void portZeroGetsAnAllocatedPortThatOpenSshPrintsAndHalfGibArrivesByteExact() throws Exception {
        SshClient ssh = tuns.ssh("-R", "0:localhost:" + backend.port(), "127.0.0.1");
        String allocated = ssh.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15));
        ssh.await("TCP: localhost:" + allocated, Duration.ofSeconds(5));
        long size = 512L * 1024 * 1024;
        assertThat(Curl.sha256("http://127.0.0.1:" + allocated + "/bytes?size=" + size + "&seed=5"))
                .isEqualTo(TestBackend.sha256OfPattern(size, 5) + " " + size);
    }

    /** Issue #15: sish's GetOpenPort reports the requested port as unavailable under --bind-random-ports. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void underBindRandomPortsTheRequestedPortIsReportedUnavailable() throws Exception {
        int wanted = freePort();
        try (TunsFixture random = TunsFixture.start("--bind-random-ports=true")) {
            SshClient ssh = random.ssh("-R", wanted + ":localhost:" + backend.port(), "127.0.0.1");
            String got = ssh.await("TCP: localhost:(\\d+)", Duration.ofSeconds(15));
            assertThat(got).isNotEqualTo(String.valueOf(wanted));
            assertThat(ssh.rawOutput()).contains("The TCP port \u001b[31m" + wanted
                    + "\u001b[0m is unavailable. Assigning a random port.\r\n");

            // port 0 is no exception: sish's checkPort reports it under bind-random-ports too (CheckPort(0) passes
            // with the default range "0,1024-65535", then `if bind-random-ports || … { reportUnavailable(true) }`)
            SshClient zero = random.ssh("-R", "0:localhost:" + backend.port(), "127.0.0.1");
            String allocated = zero.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15));
            zero.await("TCP: localhost:" + allocated, Duration.ofSeconds(5));
            assertThat(zero.rawOutput()).contains("The TCP port \u001b[31m0\u001b[0m is unavailable."
                    + " Assigning a random port.\r\n");
            assertThat(Curl.run("http://127.0.0.1:" + allocated + "/hello").out()).isEqualTo("hello from backend\n");
        }
    }

    /**
     * Issue #15: with --force-requested-ports under --bind-random-ports sish refuses. utils.go reportUnavailable:
     * {@code extra := " Assigning a random port."; if force-requested-ports { extra = "" }}, then tcphandler.go
     * {@code if tcpPort != bindPort && force-requested-ports { return … "error assigning requested port to tunnel" }}
     * and requests.go replies false. A request for port 0 is still granted (any port is port 0; sish grants it
     * whenever its random pick is 0), after the same line.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void forceRequestedPortsUnderBindRandomPortsRefusesAsSish() throws Exception {
        int wanted = freePort();
        try (TunsFixture forced = TunsFixture.start("--bind-random-ports=true", "--force-requested-ports=true")) {
            SshClient ssh = forced.ssh("-o", "ExitOnForwardFailure=no", "-R", wanted + ":localhost:" + backend.port(),
                    "127.0.0.1");
            ssh.await("Warning: remote port forwarding failed for listen port " + wanted, Duration.ofSeconds(15));
            ssh.await("random ports are enforced", Duration.ofSeconds(5));
            // sish's line without the suffix, then tuns' reason on its own line after it (OpenSSH's warning on
            // stderr may land between the two)
            String raw = ssh.rawOutput();
            String sish = "The TCP port \u001b[31m" + wanted + "\u001b[0m is unavailable.\r\n";
            String reason = "(The TCP port " + wanted + ": random ports are enforced on this server.)\r\n";
            assertThat(raw).contains(sish).contains(reason);
            assertThat(raw.indexOf(sish)).isLessThan(raw.indexOf(reason));
            assertThat(ssh.output()).doesNotContain("Assigning a random port").doesNotContain("TCP: localhost:");
            assertThat(forced.server.registry().all()).isEmpty();

            SshClient zero = forced.ssh("-R", "0:localhost:" + backend.port(), "127.0.0.1");
            String allocated = zero.await("Allocated port (\\d+) for remote forward", Duration.ofSeconds(15));
            zero.await("TCP: localhost:" + allocated, Duration.ofSeconds(5));
            assertThat(zero.rawOutput()).contains("The TCP port \u001b[31m0\u001b[0m is unavailable.\r\n");
        }
    }

    /**
     * Issue #15: a port another process holds. sish's checkPort looks only at its own listeners (no trial Listen
     * without --tcp-load-balancer), so the port passes and tcphandler.go's {@code utils.Listen(tcpAddr)} fails:
     * {@code log.Println("Error listening on addr:", err)}, the forward is refused and sish writes no line. tuns
     * refuses too (OpenSSH's "remote port forwarding failed") and adds only its reason in parentheses.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void aPortAnotherProcessHoldsIsRefusedWithoutSishsLineAsSish() throws Exception {
        try (ServerSocket other = new ServerSocket(0)) {
            int held = other.getLocalPort();
            SshClient ssh = tuns.ssh("-o", "ExitOnForwardFailure=no", "-R", held + ":localhost:" + backend.port(),
                    "127.0.0.1");
            ssh.await("remote port forwarding failed for listen port " + held, Duration.ofSeconds(15));
            ssh.await("\\(The TCP port " + held + ": it is in use on this server\\.\\)", Duration.ofSeconds(5));
            assertThat(ssh.output()).doesNotContain("is unavailable").doesNotContain("TCP: localhost:");
            assertThat(tuns.server.registry().all()).noneMatch(t -> t.bindPort() == held);
        }
    }

    /**
     * Issue #15: a port another key's tunnel holds (no --tcp-load-balancer) is in sish's TCPListeners: utils.go
     * {@code holder, ok := state.TCPListeners.Load(listenAddr); reportUnavailable(ok)} writes the line and a random
     * port follows.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void aPortAnotherKeysTunnelHoldsGetsSishsLineAndARandomPort() throws Exception {
        int wanted = freePort();
        try (SshClient a = tuns.ssh("-R", wanted + ":localhost:" + backend.port(), "127.0.0.1")) {
            a.await("TCP: localhost:" + wanted, Duration.ofSeconds(15));
            SshClient b = tuns.ssh(tuns.authoriseAnotherKey("tcpb"), "-R", wanted + ":localhost:" + backend.port(),
                    "127.0.0.1");
            String got = b.await("TCP: localhost:(\\d+)", Duration.ofSeconds(15));
            assertThat(got).isNotEqualTo(String.valueOf(wanted));
            assertThat(b.rawOutput()).contains("The TCP port \u001b[31m" + wanted
                    + "\u001b[0m is unavailable. Assigning a random port.\r\n");
            assertThat(Curl.run("http://127.0.0.1:" + got + "/hello").out()).isEqualTo("hello from backend\n");
            b.close();
        }
    }

    @Test
    void requestedPortIsBoundAndOutOfRangePortGetsARandomOne() throws Exception {
        int wanted = freePort();
        SshClient ssh = tuns.ssh("-R", wanted + ":localhost:" + backend.port(), "-R", "1000:localhost:" + backend.port(),
                "127.0.0.1");
        ssh.await("TCP: localhost:" + wanted, Duration.ofSeconds(15));
        ssh.await("The TCP port 1000 is unavailable. Assigning a random port.", Duration.ofSeconds(5));
        // sish utils.go: aurora.Sprintf("The TCP port %d is unavailable.%s", aurora.Red(bindPort), extra)
        assertThat(ssh.rawOutput()).contains("The TCP port \u001b[31m1000\u001b[0m is unavailable. Assigning a random port.\r\n");
        assertThat(Curl.run("http://127.0.0.1:" + wanted + "/hello").out()).isEqualTo("hello from backend\n");
    }

    @Test
    void halfCloseCrossesTheTunnelAfterTheData() throws Exception {
        try (ServerSocket hasher = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = hasher.accept()) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    int n;
                    long total = 0;
                    while ((n = in.read(buf)) > 0) { // until the client's half-close arrives as EOF
                        md.update(buf, 0, n);
                        total += n;
                    }
                    s.getOutputStream().write((HexFormat.of().formatHex(md.digest()) + " " + total).getBytes(StandardCharsets.US_ASCII));
                } catch (Exception ignored) {
                    // the assertion below reports it
                }
            });
            t.start();
            SshClient ssh = tuns.ssh("-R", "0:localhost:" + hasher.getLocalPort(), "127.0.0.1");
            int port = Integer.parseInt(ssh.await("Allocated port (\\d+)", Duration.ofSeconds(15)));
            byte[] data = new byte[10_000_000];
            new Random(1).nextBytes(data);
            try (Socket c = new Socket("127.0.0.1", port)) {
                c.setSoTimeout(30_000);
                OutputStream out = c.getOutputStream();
                out.write(data);
                out.flush();
                c.shutdownOutput();
                String reply = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data))
                        + " " + data.length);
            }
        }
    }

    @Test
    void aliasIsReachableWithDashWAndDashLAndAsAJumpHost() throws Exception {
        SshClient owner = tuns.ssh("-R", "box:3000:127.0.0.1:" + backend.port(),
                "-R", "jumpbox:22:127.0.0.1:" + tuns.server.sshPort(), "127.0.0.1");
        owner.await("TCP Alias: box:3000", Duration.ofSeconds(15));
        owner.await("TCP Alias: jumpbox:22", Duration.ofSeconds(5));

        // -W: stdio through the alias
        SshClient w = tuns.ssh("-W", "box:3000", "127.0.0.1");
        w.send("GET /hello HTTP/1.0\r\nHost: box\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        w.await("hello from backend", Duration.ofSeconds(10));

        // -L: a local port through the alias, 128 MiB byte-exact
        int local = freePort();
        tuns.ssh("-N", "-L", local + ":box:3000", "127.0.0.1");
        long size = 128L * 1024 * 1024;
        // ssh -L listens a moment after it starts: retry until a whole download arrives
        String got = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(
                () -> Curl.sha256("http://127.0.0.1:" + local + "/bytes?size=" + size + "&seed=9"),
                r -> r.endsWith(" " + size));
        assertThat(got).isEqualTo(TestBackend.sha256OfPattern(size, 9) + " " + size);

        // ProxyCommand ssh -W (what -J does): a second ssh session to tuns itself, through the alias
        String proxy = "/usr/bin/ssh -p " + tuns.server.sshPort() + " -i " + tuns.userKey
                + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -W %h:%p 127.0.0.1";
        // started by hand: SshClient.start would put -p <tuns port> first, and ssh keeps the first -p
        SshClient jumped = SshClient.wrap(new ProcessBuilder("/usr/bin/ssh", "-p", "22", "-i", tuns.userKey.toString(),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ProxyCommand=" + proxy, "-R", "viajump:80:127.0.0.1:" + backend.port(), "jumpbox")
                .redirectErrorStream(true).start());
        jumped.await("HTTP: http://viajump.localhost", Duration.ofSeconds(20));
        assertThat(tuns.get("viajump.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        jumped.close();
    }

    @Test
    void refusedAliasFailsThatChannelOnlyNotTheRequestersConnection() throws Exception {
        int local = freePort();
        SshClient peer = tuns.ssh("-L", local + ":nosuchalias:80", "-R", "peerweb:80:127.0.0.1:" + backend.port(),
                "127.0.0.1");
        peer.httpUrl();
        Curl.Result failed = Curl.run("--max-time", "5", "http://127.0.0.1:" + local + "/hello");
        assertThat(failed.exit()).isNotZero();
        Thread.sleep(300);
        assertThat(peer.process().isAlive()).as("the requester's ssh connection survives").isTrue();
        assertThat(tuns.get("peerweb.localhost", "/hello").body()).isEqualTo("hello from backend\n");
    }
}
