package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** sni-proxy=true: two TLS services share one port, routed by ClientHello name, TLS never terminated by tuns. */
class SniPassthroughIT {

    static TunsFixture tuns;
    static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--sni-proxy");
    }

    @AfterAll
    static void stop() throws Exception {
        servers.forEach(Process::destroyForcibly);
        tuns.close();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A real TLS service (openssl s_server) with its own self-signed certificate for {@code name}. */
    static int tlsService(String name) throws Exception {
        Path dir = tuns.dir;
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + name,
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".crt").toString());
        int port = freePort();
        Process p = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                dir.resolve(name + ".crt").toString(), "-key", dir.resolve(name + ".key").toString(), "-www", "-quiet")
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        servers.add(p);
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return port;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("s_server did not start");
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void twoServicesShareAPortAndEachServesItsOwnCertificate() throws Exception {
        int one = tlsService("sni1.localhost");
        int two = tlsService("sni2.localhost");
        int port = freePort();
        tuns.ssh("-R", "sni1:" + port + ":127.0.0.1:" + one, "127.0.0.1", "sni-proxy=true")
                .await("TLS: sni1.localhost:" + port, Duration.ofSeconds(15));
        tuns.ssh("-R", "sni2:" + port + ":127.0.0.1:" + two, "127.0.0.1", "sni-proxy=true")
                .await("TLS: sni2.localhost:" + port, Duration.ofSeconds(15));

        for (String name : List.of("sni1.localhost", "sni2.localhost")) {
            String hello = run("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", name);
            assertThat(hello).contains("subject=CN = " + name);
            Curl.Result page = Curl.run("-k", "--resolve", name + ":" + port + ":127.0.0.1", "https://" + name + ":" + port + "/");
            assertThat(page.exit()).as(page.out()).isZero();
            assertThat(page.out()).contains("s_server");
        }
        String unknown = run("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "nobody.localhost");
        assertThat(unknown).doesNotContain("subject=CN");
    }

    @Test
    void sniProxyHttpsSharesTheHttpsPortWithTunsOwnTls() throws Exception {
        int svc = tlsService("sni3.localhost");
        try (TunsFixture shared = TunsFixture.start("--https", "--https-address=127.0.0.1:0", "--sni-proxy",
                "--sni-proxy-https", "--https-certificate-directory=" + tuns.dir.resolve("no-certs"));
             TestBackend web = new TestBackend()) {
            int https = shared.server.httpsPort();
            shared.ssh("-R", "sni3:443:127.0.0.1:" + svc, "127.0.0.1", "sni-proxy=true")
                    .await("TLS: sni3.localhost:" + https, Duration.ofSeconds(15));
            shared.ssh("-R", "web:80:127.0.0.1:" + web.port(), "127.0.0.1").httpUrl();
            assertThat(run("openssl", "s_client", "-connect", "127.0.0.1:" + https, "-servername", "sni3.localhost"))
                    .contains("subject=CN = sni3.localhost");
            Curl.Result page = Curl.run("-k", "--resolve", "web.localhost:" + https + ":127.0.0.1",
                    "https://web.localhost:" + https + "/hello");
            assertThat(page.out()).as("other names get tuns' own TLS and the HTTP tunnel").isEqualTo("hello from backend\n");
        }
    }

    /**
     * Issue #14 item 3 and #15: an SNI listener obeys --port-bind-range as sish's (tcphandler.go calls GetOpenPort
     * for SNI forwards too): a port outside it gets {@code aurora.Sprintf("The TCP port %d is unavailable.%s",
     * aurora.Red(bindPort), " Assigning a random port.")} and a port of the range; sni-proxy=true leaves a forward on
     * the HTTP port an HTTP tunnel (no ClientHello arrives there).
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anSniPortOutsideTheRangeGetsSishsLineAndAPortOfTheRange() throws Exception {
        int svc = tlsService("sni4.localhost");
        int allowed = freePort();
        int outside = freePort();
        try (TunsFixture ranged = TunsFixture.start("--sni-proxy", "--port-bind-range=" + allowed);
             TestBackend web = new TestBackend()) {
            SshClient ssh = ranged.ssh("-R", "sni4:" + outside + ":127.0.0.1:" + svc, "127.0.0.1", "sni-proxy=true");
            ssh.await("TLS: sni4.localhost:" + allowed, Duration.ofSeconds(15));
            assertThat(ssh.rawOutput()).contains("The TCP port \u001b[31m" + outside
                    + "\u001b[0m is unavailable. Assigning a random port.\r\n");
            assertThat(run("openssl", "s_client", "-connect", "127.0.0.1:" + allowed, "-servername", "sni4.localhost"))
                    .contains("subject=CN = sni4.localhost");
            try (Socket s = new Socket()) {
                assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", outside), 2000))
                        .as("nothing listens outside the range").isInstanceOf(ConnectException.class);
            }
            String url = ranged.ssh("-R", "web4:80:127.0.0.1:" + web.port(), "127.0.0.1", "sni-proxy=true").httpUrl();
            assertThat(ranged.get(TunsFixture.hostOf(url), "/hello").body()).isEqualTo("hello from backend\n");
        }
    }

    /**
     * sish with --force-requested-ports: reportUnavailable writes the line with {@code extra = ""} and tcphandler.go
     * refuses ({@code tcpPort != bindPort && force-requested-ports}); tuns' reason follows on its own line.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anSniPortOutsideTheRangeIsRefusedUnderForceRequestedPorts() throws Exception {
        int allowed = freePort();
        int outside = freePort();
        try (TunsFixture forced = TunsFixture.start("--sni-proxy", "--port-bind-range=" + allowed,
                "--force-requested-ports")) {
            SshClient ssh = forced.ssh("-o", "ExitOnForwardFailure=no", "-R", "sni7:" + outside + ":127.0.0.1:1",
                    "127.0.0.1", "sni-proxy=true");
            ssh.await("remote port forwarding failed for listen port " + outside, Duration.ofSeconds(15));
            ssh.await("outside --port-bind-range", Duration.ofSeconds(5));
            // sish's line, then tuns' reason (OpenSSH's own warning may come between them: stderr and stdout mix)
            String raw = ssh.rawOutput();
            String sish = "The TCP port \u001b[31m" + outside + "\u001b[0m is unavailable.\r\n";
            String reason = "(The TCP port " + outside + ": it is outside --port-bind-range " + allowed + ".)\r\n";
            assertThat(raw).contains(sish).contains(reason);
            assertThat(raw.indexOf(sish)).isLessThan(raw.indexOf(reason));
            assertThat(ssh.output()).doesNotContain("Assigning a random port").doesNotContain("TLS: ");
            assertThat(forced.server.registry().all()).isEmpty();
        }
    }

    /**
     * sish utils.go GetOpenSNIHost: a TLS name another key holds gets {@code aurora.Sprintf("The subdomain %s is
     * unavailable.%s", aurora.Red(host), " Assigning a random subdomain.")} and a random name on the same listener.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTakenTlsNameGetsSishsLineAndARandomName() throws Exception {
        int mine = tlsService("sni5.localhost");
        int theirs = tlsService("other5.localhost");
        int port = freePort();
        tuns.ssh("-R", "sni5:" + port + ":127.0.0.1:" + mine, "127.0.0.1", "sni-proxy=true")
                .await("TLS: sni5.localhost:" + port, Duration.ofSeconds(15));
        SshClient b = tuns.ssh(tuns.authoriseAnotherKey("sni5b"), "-R", "sni5:" + port + ":127.0.0.1:" + theirs,
                "127.0.0.1", "sni-proxy=true");
        String random = b.await("TLS: ([a-z0-9]+\\.localhost):" + port, Duration.ofSeconds(15));
        assertThat(random).isNotEqualTo("sni5.localhost");
        assertThat(b.rawOutput()).contains("The subdomain \u001b[31msni5.localhost\u001b[0m is unavailable."
                + " Assigning a random subdomain.\r\n");
        assertThat(run("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", random))
                .contains("subject=CN = other5.localhost");
        assertThat(run("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "sni5.localhost"))
                .as("the name stays with the first key").contains("subject=CN = sni5.localhost");
    }

    /** sish with --force-requested-subdomains: the line ends at "unavailable." and the forward is refused. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTakenTlsNameIsRefusedUnderForceRequestedSubdomains() throws Exception {
        int port = freePort();
        try (TunsFixture forced = TunsFixture.start("--sni-proxy", "--force-requested-subdomains")) {
            forced.ssh("-R", "sni6:" + port + ":127.0.0.1:1", "127.0.0.1", "sni-proxy=true")
                    .await("TLS: sni6.localhost:" + port, Duration.ofSeconds(15));
            SshClient b = forced.ssh(forced.authoriseAnotherKey("sni6b"), "-o", "ExitOnForwardFailure=no",
                    "-R", "sni6:" + port + ":127.0.0.1:1", "127.0.0.1", "sni-proxy=true");
            b.await("remote port forwarding failed for listen port " + port, Duration.ofSeconds(15));
            b.await("\\(The subdomain sni6.localhost: ", Duration.ofSeconds(5));
            assertThat(b.rawOutput()).contains("The subdomain \u001b[31msni6.localhost\u001b[0m is unavailable.\r\n");
            assertThat(b.output()).doesNotContain("Assigning a random subdomain").doesNotContain("TLS: ");
            assertThat(forced.server.registry().all()).hasSize(1);
        }
    }
}
