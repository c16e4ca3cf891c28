package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
}
