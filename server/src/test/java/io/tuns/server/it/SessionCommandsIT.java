package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deadline=, auto-close=true and --cleanup-unbound end connections with sish's messages; --log-to-client copies
 * request lines and TCP accepts into the owner's session, timestamped with a Go --time-format.
 */
class SessionCommandsIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--cleanup-unbound", "--cleanup-unbound-timeout=2s", "--log-to-client",
                "--time-format=2006-01-02T15:04:05.000Z07:00");
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

    /** A forward the server refuses: a TCP bind on an address this host does not have (TEST-NET-3). */
    static final String REFUSED_FORWARD = "203.0.113.5:4000:127.0.0.1:9";

    /** Issue #14 item 5: --cleanup-unbound counts granted forwards, not requests; every one refused = unbound. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void cleanupUnboundClosesAConnectionWhoseEveryForwardWasRefused() throws Exception {
        SshClient c = tuns.ssh("-o", "ExitOnForwardFailure=no", "-R", REFUSED_FORWARD, "127.0.0.1");
        c.await("No forwarding request was granted", Duration.ofSeconds(15));
        // sish sshmuxer.go: SendMessage("No forwarding requests sent. Closing connection.") whenever ListenerCount()
        // is 0, refused forwards included; tuns' own line comes after it
        assertThat(c.rawOutput()).contains("No forwarding requests sent. Closing connection.\r\n"
                + "(No forwarding request was granted.)\r\n");
        assertThat(c.process().waitFor(10, TimeUnit.SECONDS)).as(c.output()).isTrue();
    }

    /** Issue #14 item 5: auto-close=true closes once every forward is decided and none is open. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void autoCloseClosesAConnectionWhoseEveryForwardWasRefused() throws Exception {
        try (TunsFixture plain = TunsFixture.start()) { // no --cleanup-unbound: only auto-close may close it
            SshClient c = plain.ssh("-o", "ExitOnForwardFailure=no", "-R", REFUSED_FORWARD, "127.0.0.1",
                    "auto-close=true");
            c.await("No forwards are open", Duration.ofSeconds(15));
            // sish: `if (… || holderConn.AutoClose) && holderConn.ListenerCount() == 0` sends the same line
            assertThat(c.rawOutput()).contains("No forwarding requests sent. Closing connection.\r\n"
                    + "(No forwards are open.)\r\n");
            assertThat(c.process().waitFor(10, TimeUnit.SECONDS)).as(c.output()).isTrue();
        }
    }

    /** Issue #14 item 9: a command this server has disabled is answered as ignored, naming the flag. */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void aDisabledCommandIsAcknowledgedAsIgnored() throws Exception {
        SshClient c = tuns.ssh("-R", "acks:80:127.0.0.1:" + backend.port(), "127.0.0.1", "sni-proxy=true",
                "proxy-protocol=2");
        c.httpUrl();
        assertThat(c.output()).contains("sni-proxy is disabled on this server (--sni-proxy=false); ignored.")
                .contains("proxy-protocol is disabled on this server (--proxy-protocol=false); ignored.")
                .doesNotContain("SNI proxy for TCP forwards").doesNotContain("Proxy protocol enabled");
    }

    @Test
    void logToClientShowsEachRequestAndTcpAcceptInTheOwnersSession() throws Exception {
        SshClient c = tuns.ssh("-R", "logged/api:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        c.httpUrl();
        SshClient other = tuns.ssh("-R", "quiet:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        other.httpUrl();
        assertThat(tuns.get("logged.localhost", "/api/hello?x=1").statusCode()).isEqualTo(200);
        assertThat(tuns.get("logged.localhost", "/api/missing").statusCode()).isEqualTo(404);
        String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)";
        // sish: fmt.Sprintf("%v | %s |%s %3d %s| %13v | %15s |%s %-7s %s %s\n%s", …) sent TrimSpace'd, in colour
        String host = "logged\\.localhost:" + tuns.server.httpPort();
        c.await(host + " \\| 200 .* GET +/api/hello\\?x=1", Duration.ofSeconds(10));
        c.await(host + " \\| 404 .* GET +/api/missing", Duration.ofSeconds(10));
        assertThat(c.rawOutput()).containsPattern(stamp + " \\| " + host + " \\|\u001b\\[97;42m 200 \u001b\\[0m\\| +"
                + "[0-9.]+(µs|ms|s) \\|       127\\.0\\.0\\.1 \\|\u001b\\[97;44m GET     \u001b\\[0m /api/hello\\?x=1\r\n");
        assertThat(c.rawOutput()).containsPattern(stamp + " \\| " + host + " \\|\u001b\\[90;43m 404 \u001b\\[0m\\| .* "
                + "\\|\u001b\\[97;44m GET     \u001b\\[0m /api/missing\r\n");
        assertThat(other.output()).as("another tunnel's session hears nothing").doesNotContain("/api/hello");

        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SshClient tcp = tuns.ssh("-R", port + ":localhost:" + backend.port(), "127.0.0.1");
        tcp.await("TCP: localhost:" + port, Duration.ofSeconds(15));
        assertThat(Curl.run("http://127.0.0.1:" + port + "/hello").out()).isEqualTo("hello from backend\n");
        // sish state.go: "Accepted connection from %s -> %s", cl.RemoteAddr(), cl.LocalAddr(): the socket's address
        tcp.await("Accepted connection from 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:" + port + "\r\n", Duration.ofSeconds(10));
    }

    /**
     * Issue #15: sish's alias line names the requester's real ssh address and key
     * ({@code "Accepted connection from %s (%s) -> %s"}, aliashandler.go), not the origin the client made up.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void logToClientNamesTheAliasUsersSshAddressAndKey() throws Exception {
        SshClient owner = tuns.ssh("-R", "logbox:3000:127.0.0.1:" + backend.port(), "127.0.0.1");
        owner.await("TCP Alias: logbox:3000", Duration.ofSeconds(15));
        SshClient w = tuns.ssh("-W", "logbox:3000", "127.0.0.1");
        w.send("GET /hello HTTP/1.0\r\nHost: box\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        w.await("hello from backend", Duration.ofSeconds(10));
        String fp = owner.await("Accepted connection from 127\\.0\\.0\\.1:\\d+ \\((SHA256:[A-Za-z0-9+/]+)\\) -> logbox:3000\r\n",
                Duration.ofSeconds(10));
        Process keygen = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", tuns.userKey + ".pub").start();
        assertThat(new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains(" " + fp + " ");
    }

    @Test
    void sshDashNForwardsDoNotWaitForOptionsThatCannotCome() throws Exception {
        // forwards wait for the command line's options; ssh -N says (no-more-sessions@openssh.com, no session
        // channel) that none will come, so the tunnel must exist long before this deliberately long wait ends
        try (TunsFixture slow = TunsFixture.start("--forward-options-wait=20s")) {
            long t0 = System.nanoTime();
            SshClient c = slow.ssh("-N", "-R", "quick:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            LifecycleIT.eventually(() -> slow.server.registry().httpTunnel("quick.localhost").isPresent(),
                    Duration.ofSeconds(10), "tunnel open without waiting --forward-options-wait");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(slow.get("quick.localhost", "/hello").body()).isEqualTo("hello from backend\n");
            c.close();
            // with a session (options may follow) the wait still applies to a command-line client
            SshClient withOptions = slow.ssh("-R", "opts:80:127.0.0.1:" + backend.port(), "127.0.0.1",
                    "host-header=inner.example");
            withOptions.httpUrl();
            assertThat(slow.get("opts.localhost", "/headers").body()).contains("host: inner.example");
        }
    }

    /**
     * sish channels.go answers each command as its loop applies it: a repeated command again, with its own value,
     * the last one winning ("Using host header %s for HTTP handlers" twice here).
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void aRepeatedCommandIsAnsweredTwiceAndTheLastValueWins() throws Exception {
        SshClient c = tuns.ssh("-R", "twice:80:127.0.0.1:" + backend.port(), "127.0.0.1",
                "host-header=first.example", "host-header=second.example");
        c.httpUrl();
        assertThat(c.rawOutput()).contains("Using host header first.example for HTTP handlers\r\n"
                + "Using host header second.example for HTTP handlers\r\n");
        assertThat(tuns.get("twice.localhost", "/headers").body())
                .contains("host: second.example:" + tuns.server.httpPort() + "\n");
    }
}
