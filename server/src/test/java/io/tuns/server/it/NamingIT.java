package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** --bind-root-domain, --bind-wildcards, --bind-any-host and --bind-hosts with the real OpenSSH client. */
class NamingIT {

    static TunsFixture tuns;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        tuns = TunsFixture.start("--bind-root-domain", "--bind-wildcards", "--bind-hosts=corp.example");
        backend = new TestBackend();
    }

    @AfterAll
    static void stop() throws Exception {
        tuns.close();
        backend.close();
    }

    @Test
    void rootDomainWildcardAndBindHosts() throws Exception {
        tuns.ssh("-R", "*:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                .await("HTTP: http://localhost:\\d+", Duration.ofSeconds(15));
        assertThat(tuns.get("localhost", "/hello").body()).isEqualTo("hello from backend\n");

        tuns.ssh("-R", "*.dev:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                .await("HTTP: http://\\*\\.dev\\.localhost", Duration.ofSeconds(15));
        assertThat(tuns.get("feature-1.dev.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        assertThat(tuns.get("a.b.dev.localhost", "/hello").statusCode()).isEqualTo(200);

        tuns.ssh("-R", "app.corp.example:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                .await("HTTP: http://app\\.corp\\.example", Duration.ofSeconds(15));
        assertThat(tuns.get("app.corp.example", "/hello").statusCode()).isEqualTo(200);

        // not one label below a bind host, and no --bind-any-host: it becomes a name under the domain
        tuns.ssh("-R", "x.other.example:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                .await("HTTP: http://x\\.other\\.example\\.localhost", Duration.ofSeconds(15));
    }

    /**
     * Issue #15: sish utils.go GetOpenHost makes {@code proposedHost := fmt.Sprintf("%s%s.%s", addr, hostExtension,
     * domain)} of any bind address, so {@code -R 80:127.0.0.1:…} is granted {@code 127.0.0.1.<domain>}, with no
     * "unavailable" line.
     */
    @Test
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void anIpv4BindAddressBecomesASubdomainAsSish() throws Exception {
        SshClient ssh = tuns.ssh("-R", "127.0.0.1:80:127.0.0.1:" + backend.port(), "127.0.0.1");
        ssh.await("HTTP: http://127\\.0\\.0\\.1\\.localhost:\\d+", Duration.ofSeconds(15));
        assertThat(ssh.output()).doesNotContain("is unavailable");
        assertThat(tuns.get("127.0.0.1.localhost", "/hello").body()).isEqualTo("hello from backend\n");
        ssh.close();
    }

    /**
     * Issue #15: with --bind-root-domain sish turns {@code .<domain>} into {@code <domain>} before checking it
     * ({@code if bind-root-domain && proposedHost == fmt.Sprintf(".%s", domain) { proposedHost = domain }}), so a
     * second key's {@code -R :80} while the root is held is told {@code The subdomain <domain> is unavailable.}
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTakenRootIsNamedAsTheDomainAsSish() throws Exception {
        try (TunsFixture root = TunsFixture.start("--bind-root-domain")) {
            root.ssh("-R", ":80:127.0.0.1:" + backend.port(), "127.0.0.1")
                    .await("HTTP: http://localhost:\\d+", Duration.ofSeconds(15));
            SshClient b = root.ssh(root.authoriseAnotherKey("rootb"), "-R", ":80:127.0.0.1:" + backend.port(),
                    "127.0.0.1");
            String url = b.httpUrl();
            assertThat(TunsFixture.hostOf(url)).isNotEqualTo("localhost").endsWith(".localhost");
            assertThat(b.rawOutput()).contains("The subdomain \u001b[31mlocalhost\u001b[0m is unavailable."
                    + " Assigning a random subdomain.\r\n");
        }
    }
}
