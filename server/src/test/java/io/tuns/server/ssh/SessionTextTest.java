package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue #15: every session line against sish's own string, quoted from sish's source (github.com/antoniomika/sish,
 * sshmuxer/ and utils/) with logrusorgru/aurora v2's escapes written out: Green = ESC[32m, Red = ESC[31m,
 * BgRed = ESC[41m, BgBlue = ESC[44m, each closed by ESC[0m. The answers to session commands are in
 * AcknowledgementsTest, the allocators' own lines in HttpAllocatorTest.
 */
class SessionTextTest {

    private static final String ESC = "\u001b";

    @Test
    void welcomeIsOnBgRedAndFollowedByABlankLine() {
        // channels.go: writeToSession(connection, aurora.BgRed(welcomeMessage).String()+"\r\n") (+ "\r\n" appended)
        assertThat(SessionText.welcome("Press Ctrl-C to close the session.") + "\r\n")
                .isEqualTo(ESC + "[41mPress Ctrl-C to close the session." + ESC + "[0m\r\n\r\n");
    }

    @Test
    void anEmptyWelcomeWritesNothing() {
        // channels.go: if welcomeMessage != "" { … }
        assertThat(SessionText.welcome("")).isNull();
        assertThat(SessionText.welcome(null)).isNull();
    }

    @Test
    void forwardHeaderHasTheTypeAndPortInGreen() {
        // requests.go: fmt.Sprintf("Starting SSH Forwarding service for %s. Forwarded connections can be accessed
        // via the following methods:\r\n", aurora.Sprintf(aurora.Green("%s:%s"), connType, stringPort))
        assertThat(SessionText.forwardHeader("http", 80)).isEqualTo("Starting SSH Forwarding service for " + ESC
                + "[32mhttp:80" + ESC + "[0m. Forwarded connections can be accessed via the following methods:");
        assertThat(SessionText.forwardHeader("tcp", 2222)).contains(ESC + "[32mtcp:2222" + ESC + "[0m");
        assertThat(SessionText.forwardHeader("tls", 9000)).contains(ESC + "[32mtls:9000" + ESC + "[0m");
    }

    @Test
    void accessLabelsAreOnBlue() {
        // httphandler.go "%s: http://…", aurora.BgBlue("HTTP") / BgBlue("HTTPS"); tcphandler.go "%s: %s:%d",
        // aurora.BgBlue(connType) with "TCP" or "TLS"; aliashandler.go "%s: %s\r\n", aurora.BgBlue("TCP Alias")
        assertThat(SessionText.access("HTTP", "http://a.example.com")).isEqualTo(ESC + "[44mHTTP" + ESC + "[0m: http://a.example.com");
        assertThat(SessionText.access("HTTPS", "https://a.example.com")).isEqualTo(ESC + "[44mHTTPS" + ESC + "[0m: https://a.example.com");
        assertThat(SessionText.access("TCP", "example.com:4000")).isEqualTo(ESC + "[44mTCP" + ESC + "[0m: example.com:4000");
        assertThat(SessionText.access("TLS", "a.example.com:9000")).isEqualTo(ESC + "[44mTLS" + ESC + "[0m: a.example.com:9000");
        assertThat(SessionText.access("TCP Alias", "box:22")).isEqualTo(ESC + "[44mTCP Alias" + ESC + "[0m: box:22");
    }

    @Test
    void aBlockIsOneMessageWhoseEveryLineEndsInCrLf() {
        // requests.go builds requestMessages with "\r\n" after each line; SendMessage → writeToSession adds "\r\n":
        // a blank line after each block
        assertThat(SessionText.block(List.of("a", "b")) + "\r\n").isEqualTo("a\r\nb\r\n\r\n");
    }

    @Test
    void unavailableLinesNameTheFullHostOrAliasOrPortInRed() {
        // utils.go: aurora.Sprintf("The subdomain %s is unavailable.%s", aurora.Red(host), extra)
        assertThat(SessionText.subdomainUnavailable("myapp.example.com", false)).isEqualTo(
                "The subdomain " + ESC + "[31mmyapp.example.com" + ESC + "[0m is unavailable. Assigning a random subdomain.");
        assertThat(SessionText.subdomainUnavailable("myapp.example.com", true)).isEqualTo(
                "The subdomain " + ESC + "[31mmyapp.example.com" + ESC + "[0m is unavailable.");
        // aurora.Sprintf("The alias %s is unavailable.%s", aurora.Red(alias), extra)
        assertThat(SessionText.aliasUnavailable("box:22", false)).isEqualTo(
                "The alias " + ESC + "[31mbox:22" + ESC + "[0m is unavailable. Assigning a random alias.");
        assertThat(SessionText.aliasUnavailable("box:22", true)).isEqualTo(
                "The alias " + ESC + "[31mbox:22" + ESC + "[0m is unavailable.");
        // aurora.Sprintf("The TCP port %d is unavailable.%s", aurora.Red(bindPort), extra)
        assertThat(SessionText.tcpPortUnavailable(4000, false)).isEqualTo(
                "The TCP port " + ESC + "[31m4000" + ESC + "[0m is unavailable. Assigning a random port.");
        assertThat(SessionText.tcpPortUnavailable(4000, true)).isEqualTo(
                "The TCP port " + ESC + "[31m4000" + ESC + "[0m is unavailable.");
    }

    @Test
    void theDeadlineIsSishsAbsoluteUtcTime() {
        // channels.go: fmt.Sprintf("Deadline for connection set to: %s", Deadline.UTC().Format("2006-01-02 15:04:05"))
        assertThat(SessionText.deadline(Instant.parse("2025-03-10T15:19:22Z")))
                .isEqualTo("Deadline for connection set to: 2025-03-10 15:19:22");
    }

    @Test
    void closingLinesAsSish() {
        // sshmuxer.go: holderConn.SendMessage("Connection deadline reached. Closing connection.", true)
        assertThat(SessionText.deadlineReached()).isEqualTo("Connection deadline reached. Closing connection.");
        // sshmuxer.go: if ((cleanup-unbound && runTime > timeout) || holderConn.AutoClose) && ListenerCount() == 0 {
        //     holderConn.SendMessage("No forwarding requests sent. Closing connection.", true)
        assertThat(SessionText.noForwards()).isEqualTo("No forwarding requests sent. Closing connection.");
    }

    @Test
    void acceptedConnectionAsSishLogsIt() {
        // aliashandler/channels.go: fmt.Sprintf("Accepted connection from %s -> %s", connString, tcpAliasToConnect),
        // connString = fmt.Sprintf("%s (%s)", RemoteAddr, pubKeyFingerprint)
        assertThat(SessionText.acceptedConnection("10.0.0.1:5555 (SHA256:abc)", "box:22"))
                .isEqualTo("Accepted connection from 10.0.0.1:5555 (SHA256:abc) -> box:22");
    }

    @Test
    void plainStripsTheColoursForTheServerLog() {
        assertThat(SessionText.plain(SessionText.subdomainUnavailable("a.example.com", true)))
                .isEqualTo("The subdomain a.example.com is unavailable.");
    }

    /**
     * sish state.go: {@code fmt.Sprintf("Accepted connection from %s -> %s", cl.RemoteAddr().String(),
     * cl.LocalAddr().String())}: both sides as Go's TCPAddr prints them.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "127.0.0.1,                 127.0.0.1:4000",
            "::1,                       '[::1]:4000'",
            "0:0:0:0:0:0:0:0,           '[::]:4000'",
            "2001:db8:0:0:0:0:0:1,      '[2001:db8::1]:4000'",
            "2001:db8:0:1:0:0:0:1,      '[2001:db8:0:1::1]:4000'",
            "2001:db8:1:1:1:1:1:0,      '[2001:db8:1:1:1:1:1:0]:4000'",
            "::ffff:10.0.0.1,           10.0.0.1:4000",
    })
    void addressesAsGoPrintsThem(String ip, String expected) throws Exception {
        assertThat(SessionText.goAddress(new InetSocketAddress(InetAddress.getByName(ip), 4000))).isEqualTo(expected);
    }

    // ------------------------------------------------------------------ tuns' own lines (no sish counterpart)

    /**
     * sish writes no line for these events (or crashes, for a second session); tuns' lines are plain text, never
     * coloured, never in the words of a sish line a script may look for, and come after sish's line for the event.
     */
    @Test
    void tunsOwnLinesArePlainAndWordedAsDocumented() {
        List<String> own = List.of(
                SessionText.subdomainReason("app.example.com", "it is reserved"),
                SessionText.aliasReason("box:22", "it is reserved"),
                SessionText.tcpPortReason(4000, "it is in use on this server"),
                SessionText.noRandomSubdomain(),
                SessionText.noRandomAlias(),
                SessionText.subdomainTakenOver("app"),
                SessionText.subdomainShared("app"),
                SessionText.tcpPortShared(4000),
                SessionText.basicAuthDisabled(),
                SessionText.pathDisabled(),
                SessionText.tooManyForwards(2),
                SessionText.noForwardGranted(),
                SessionText.noForwardsOpen(),
                SessionText.sessionAlreadyOpen(),
                SessionText.tunnelTakenOver("app.example.com"),
                SessionText.tunnelClosed("app.example.com", "closed by an administrator"),
                SessionText.commandWithoutValue("word"),
                SessionText.unknownCommand("bogus", List.of("a", "b")),
                SessionText.needsBoolean("force-https", "maybe"),
                SessionText.badDeadline("soon"));
        assertThat(own).allSatisfy(line -> {
            assertThat(line).doesNotContain(ESC).isEqualTo(SessionText.plain(line));
            // sish's "unavailable" lines are the ones scripts grep for; tuns' lines never imitate them
            assertThat(line).doesNotContain("is unavailable.").doesNotContain("Assigning a random");
        });
        assertThat(own).containsExactly(
                "(The subdomain app.example.com: it is reserved.)",
                "(The alias box:22: it is reserved.)",
                "(The TCP port 4000: it is in use on this server.)",
                "No free random subdomain was found; try again.",
                "No free random alias was found; try again.",
                "The subdomain app was held by an earlier connection with your key; it has been moved to this connection.",
                "The subdomain app is shared: requests are balanced between its tunnels.",
                "The TCP port 4000 is shared: connections are balanced between its tunnels.",
                "Basic auth tunnels are disabled on this server (--bind-http-auth=false); the credentials are ignored.",
                "Path tunnels are disabled on this server (--bind-http-path=false); the path is ignored.",
                "This connection already has 2 forwards, the most this server allows (--max-forwards-per-connection).",
                "(No forwarding request was granted.)",
                "(No forwards are open.)",
                "This connection already has a session; its options stay as they were.",
                "Your tunnel app.example.com was taken over by a new connection with the same key.",
                "Your tunnel app.example.com was closed by an administrator.",
                "Unknown command 'word': commands are key=value, e.g. deadline=15m.",
                "Unknown command 'bogus' ignored. Known: a, b.",
                "Command force-https needs true or false, got 'maybe'.",
                "Command deadline: 'soon' is not a time (examples: deadline=15m, deadline=1741614000,"
                        + " deadline=2025-03-10T15:19:22Z).");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "RANDOM_ENFORCED, random ports are enforced on this server",
            "EMPTY_RANGE,     --port-bind-range is empty on this server",
            "OUTSIDE_RANGE,   it is outside --port-bind-range 1024-2000",
            "IN_USE,          it is in use on this server",
            "NO_FREE_PORT,    no free port was found in --port-bind-range 1024-2000",
            "BIND_FAILED,     no port could be bound on this server",
    })
    void everyPortFailureHasItsReason(io.tuns.server.tcp.TcpPortAllocator.Failure f, String reason) {
        assertThat(SessionText.portFailure(f, "1024-2000")).isEqualTo(reason);
    }
}
