package io.tuns.server.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP tunnels as sish users make them, with the real OpenSSH client. */
class HttpTunnelIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start();
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void namedTunnelServesGetAndPostAndPrintsSishLines() throws Exception {
        SshClient ssh = tuns.ssh("-R", "MyApp:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        String url = ssh.httpUrl();
        assertThat(url).isEqualTo("http://myapp.localhost:" + tuns.server.httpPort());
        assertThat(ssh.output()).contains("Starting SSH Forwarding service for http:80. "
                + "Forwarded connections can be accessed via the following methods:");
        assertThat(ssh.output()).contains("Press Ctrl-C to close the session.");
        // issue #15, byte for byte as sish writes it (channels.go, requests.go, httphandler.go; aurora colours):
        // the welcome on red and a blank line, the block with its type in green and labels on blue, a blank line
        assertThat(ssh.rawOutput()).contains("\u001b[41mPress Ctrl-C to close the session.\u001b[0m\r\n\r\n"
                + "Starting SSH Forwarding service for \u001b[32mhttp:80\u001b[0m. Forwarded connections can be"
                + " accessed via the following methods:\r\n\u001b[44mHTTP\u001b[0m: " + url + "\r\n\r\n");

        HttpResponse<String> get = tuns.get("myapp.localhost", "/hello");
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("hello from backend\n");

        HttpResponse<String> post = tuns.http.send(tuns.request("myapp.localhost", "/sha256")
                .POST(HttpRequest.BodyPublishers.ofString("abc")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.body()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3\n");

        HttpResponse<String> headers = tuns.get("myapp.localhost", "/headers");
        assertThat(headers.body()).contains("x-forwarded-for: 127.0.0.1", "x-forwarded-proto: http",
                "x-forwarded-host: myapp.localhost:" + tuns.server.httpPort());
    }

    @Test
    void randomNameWhenNoneRequestedAndSeveralForwardsOnOneConnection() throws Exception {
        SshClient ssh = tuns.ssh("-N", "-R", "80:127.0.0.1:" + backend.port(),
                "-R", "second:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        // -N: no session channel, so no printed lines; the routes must exist anyway
        await().atMost(Duration.ofSeconds(10)).until(() -> tuns.server.registry().httpTunnel("second.localhost").isPresent());
        assertThat(tuns.get("second.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        var random = tuns.server.registry().httpTunnels().stream()
                .filter(t -> t.bindAddress().equals("localhost") && t.owner().remoteAddress() != null)
                .findFirst().orElseThrow();
        assertThat(random.host()).matches("[a-z0-9]{3}\\.localhost");
        assertThat(tuns.get(random.host(), "/hello").statusCode()).isEqualTo(200);
        ssh.close();
    }

    @Test
    void unknownHostGets404PageAndBareDomainALandingPage() throws Exception {
        HttpResponse<String> r = tuns.get("nothing-here.localhost", "/");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("No tunnel is open for nothing-here.localhost");
        HttpResponse<String> root = tuns.get("localhost", "/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).as("the real ssh command, no placeholder")
                .contains("ssh -p " + tuns.server.sshPort() + " -R myapp:80:localhost:3000 localhost")
                .doesNotContain("ssh port");
    }

    @Test
    void takenNameFromAnotherKeyGetsRandomNameWithSishMessage() throws Exception {
        SshClient first = tuns.ssh("-R", "taken:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        first.httpUrl();
        java.nio.file.Path other = TunsFixture.keygen(tuns.dir, "other");
        java.nio.file.Files.copy(java.nio.file.Path.of(other + ".pub"), tuns.dir.resolve("pubkeys/other.pub"));
        Thread.sleep(1500); // the key directory is re-read within a second
        SshClient second = tuns.ssh(other, "-R", "taken:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        String url = second.httpUrl();
        assertThat(second.output()).contains("The subdomain taken.localhost is unavailable. Assigning a random subdomain.");
        assertThat(url).doesNotContain("taken.");
        assertThat(tuns.get("taken.localhost", "/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void localServiceRefusingGives502WithAClearPage() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SshClient ssh = tuns.ssh("-R", "refused:80:127.0.0.1:" + closedPort, "127.0.0.1");
        ssh.httpUrl();
        HttpResponse<String> r = tuns.get("refused.localhost", "/");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("could not connect to its local service");
    }

    @Test
    void unknownSessionCommandIsAnsweredNotIgnored() throws Exception {
        SshClient ssh = tuns.ssh("-R", "cmds:80:127.0.0.1:" + backend.port(), "127.0.0.1", "bogus=1", "deadline=1h");
        ssh.httpUrl();
        ssh.await("Unknown command 'bogus' ignored", Duration.ofSeconds(5));
        ssh.await("Deadline for connection set to: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\r\n", Duration.ofSeconds(5));
    }

    /**
     * Issue #14 item 7: the printed --http-port-override is an HTTP port for requests too (sish), so
     * {@code -R app:<override>} is an HTTP tunnel, not an alias.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void theHttpPortOverrideIsAnHttpPort() throws Exception {
        try (TunsFixture overridden = TunsFixture.start("--http-port-override=8181")) {
            SshClient ssh = overridden.ssh("-R", "ovr:8181:127.0.0.1:" + backend.port(), "127.0.0.1");
            ssh.await("HTTP: http://ovr.localhost:8181", Duration.ofSeconds(15));
            assertThat(ssh.output()).doesNotContain("TCP Alias");
            assertThat(overridden.get("ovr.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        }
    }
}
