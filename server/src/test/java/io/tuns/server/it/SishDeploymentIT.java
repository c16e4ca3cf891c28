package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #15 "Done when": sish's own {@code config.example.yml} and the flags of sish's
 * {@code deploy/docker-compose.yml} (test resources, copied unchanged from github.com/antoniomika/sish) start tuns
 * through the real CLI, and a real OpenSSH client gets a working tunnel. Only what a test machine cannot have is
 * given by flags after them (the last value wins, as with sish's pflag): listen addresses on free loopback ports
 * instead of :22/:80/:443, and temporary key and certificate directories instead of /pubkeys, /keys and /ssl.
 */
class SishDeploymentIT {

    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sishsConfigExampleStartsTunsAndItsRandomSubdomainTunnelWorks() throws Exception {
        Path dir = Files.createTempDirectory("tuns-sish-example");
        Path key = TunsFixture.authorisedKeyIn(dir);
        Path config = dir.resolve("config.yml");
        try (InputStream in = SishDeploymentIT.class.getResourceAsStream("/sish/config.example.yml")) {
            Files.write(config, in.readAllBytes());
        }
        try (ForkedTuns tuns = ForkedTuns.start(dir, config, List.of("-Xmx128m"))) {
            assertThat(Files.readString(tuns.log, StandardCharsets.UTF_8))
                    .contains("key 'config' ignored").doesNotContain("\tat ");
            SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "80:localhost:" + backend.port(), "127.0.0.1"));
            String url = ssh.httpUrl();
            // the example's bind-random-subdomains: true and bind-random-subdomains-length: 3
            assertThat(url).matches("http://[a-z0-9]{3}\\.localhost:" + tuns.httpPort);
            assertThat(ssh.rawOutput())
                    .contains("\u001b[41mPress Ctrl-C to close the session.\u001b[0m") // welcome-message
                    .contains("The subdomain \u001b[31mlocalhost.localhost\u001b[0m is unavailable."
                            + " Assigning a random subdomain.\r\n");
            assertThat(Curl.run(url + "/hello").out()).isEqualTo("hello from backend\n");
            ssh.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sishsDockerComposeFlagsStartTunsWithHttpsAndRequestedNamesAndPorts() throws Exception {
        Path dir = Files.createTempDirectory("tuns-sish-compose");
        Path key = TunsFixture.authorisedKeyIn(dir);
        Path ssl = Files.createDirectories(dir.resolve("ssl"));
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=ssi.sh",
                "-addext", "subjectAltName=DNS:ssi.sh,DNS:*.ssi.sh",
                "-keyout", ssl.resolve("ssi.sh.key").toString(), "-out", ssl.resolve("ssi.sh.crt").toString());
        int https = freePort();
        List<String> flags = new ArrayList<>(composeFlags());
        assertThat(flags).containsExactly("--ssh-address=:22", "--http-address=:80", "--https-address=:443",
                "--https=true", "--https-certificate-directory=/ssl", "--authentication-keys-directory=/pubkeys",
                "--private-keys-directory=/keys", "--bind-random-ports=false", "--bind-random-subdomains=false",
                "--domain=ssi.sh");
        // ForkedTuns gives the ssh and http addresses (free loopback ports); the rest come after and win
        flags.removeIf(f -> f.startsWith("--ssh-address=") || f.startsWith("--http-address="));
        flags.addAll(List.of("--https-address=127.0.0.1:" + https, "--https-certificate-directory=" + ssl,
                "--authentication-keys-directory=" + dir.resolve("pubkeys"),
                "--private-keys-directory=" + dir.resolve("keys")));
        try (ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx128m"), flags.toArray(String[]::new))) {
            int wanted = freePort();
            SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "myapp:80:localhost:" + backend.port(),
                    "-R", wanted + ":localhost:" + backend.port(), "127.0.0.1"));
            // --bind-random-subdomains=false and --bind-random-ports=false: the requested name and port
            String httpsUrl = ssh.await("HTTPS: (https://\\S+)", Duration.ofSeconds(15));
            assertThat(httpsUrl).isEqualTo("https://myapp.ssi.sh:" + https);
            ssh.await("TCP: ssi.sh:" + wanted, Duration.ofSeconds(5));
            assertThat(Curl.run("--cacert", ssl.resolve("ssi.sh.crt").toString(),
                    "--resolve", "myapp.ssi.sh:" + https + ":127.0.0.1", httpsUrl + "/hello").out())
                    .isEqualTo("hello from backend\n");
            assertThat(Curl.run("http://127.0.0.1:" + wanted + "/hello").out()).isEqualTo("hello from backend\n");
            ssh.close();
        }
    }

    /** The sish service's command in sish's deploy/docker-compose.yml, one flag a word. */
    private static List<String> composeFlags() throws Exception {
        try (InputStream in = SishDeploymentIT.class.getResourceAsStream("/sish/docker-compose.yml")) {
            String command = new ObjectMapper(new YAMLFactory()).readTree(in).at("/services/sish/command").asText();
            return List.of(command.trim().split("\\s+"));
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}
