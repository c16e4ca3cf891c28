package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --force-requested-subdomains, --redirect-root-location and the channel-open timeout (504). */
class PolicyAndTimeoutIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--force-requested-subdomains", "--redirect-root-location=https://example.org/docs",
                "--channel-open-timeout=1s", "--ping-client-interval=60s");
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void bareDomainRedirectsToTheConfiguredLocation() throws Exception {
        HttpResponse<String> r = tuns.get("localhost", "/anything");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("location")).contains("https://example.org/docs");
    }

    @Test
    void forcedRequestedNameIsRefusedNotRandomisedWhenTaken() throws Exception {
        tuns.ssh("-R", "mine:80:127.0.0.1:" + backend.port(), "127.0.0.1").httpUrl();
        Path other = TunsFixture.keygen(tuns.dir, "forced");
        Files.copy(Path.of(other + ".pub"), tuns.dir.resolve("pubkeys/forced.pub"));
        Thread.sleep(1200);
        SshClient second = tuns.ssh(other, "-R", "mine:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        assertThat(second.process().waitFor()).as("ExitOnForwardFailure").isNotZero();
        assertThat(second.output()).contains("remote port forwarding failed");
        assertThat(tuns.server.registry().httpTunnels()).filteredOn(t -> t.owner().keyFingerprint() != null
                && !t.host().equals("mine.localhost") && t.bindAddress().equals("mine")).isEmpty();
    }

    /**
     * Issue #15: {@code -R 80:localhost:…} names no subdomain. sish utils.go GetOpenHost proposes
     * {@code localhost.<domain>}, which is on its banned list; with --force-requested-subdomains reportUnavailable
     * writes {@code aurora.Sprintf("The subdomain %s is unavailable.%s", aurora.Red(host), "")} and sets bindErr,
     * GetOpenHost returns nil and httphandler.go refuses the forward ("error assigning requested subdomain to
     * tunnel"). No random name is given.
     */
    @Test
    void aForwardThatNamesNoSubdomainIsRefusedAsSish() throws Exception {
        SshClient ssh = tuns.ssh("-o", "ExitOnForwardFailure=no", "-R", "80:localhost:" + backend.port(), "127.0.0.1");
        ssh.await("Warning: remote port forwarding failed for listen port 80", Duration.ofSeconds(15));
        ssh.await("The subdomain localhost.localhost is unavailable.", Duration.ofSeconds(5));
        assertThat(ssh.rawOutput()).contains("The subdomain \u001b[31mlocalhost.localhost\u001b[0m is unavailable.\r\n");
        assertThat(ssh.output()).doesNotContain("Assigning a random subdomain").doesNotContain("HTTP: http");
        assertThat(tuns.server.registry().httpTunnels()).noneMatch(t -> t.bindAddress().equals("localhost"));
    }

    @Test
    void aClientThatNeverOpensTheChannelGives504() throws Exception {
        SshClient frozen = tuns.ssh("-R", "frozen504:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        frozen.httpUrl();
        new ProcessBuilder("kill", "-STOP", String.valueOf(frozen.pid())).start().waitFor();
        try {
            long t0 = System.nanoTime();
            HttpResponse<String> r = tuns.get("frozen504.localhost", "/hello");
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("did not open a connection in time");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        } finally {
            new ProcessBuilder("kill", "-CONT", String.valueOf(frozen.pid())).start().waitFor();
        }
    }
}
