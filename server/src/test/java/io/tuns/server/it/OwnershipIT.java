package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #14 as a second tenant would try it, with real OpenSSH and two keys: key B asks for a path under key A's
 * host, a name under A's name, A's very host and A's TCP port, with the load balancers on (where pools could mix
 * keys). Not one request or connection meant for A may reach B's service.
 */
class OwnershipIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aSecondKeyReceivesNothingMeantForTheFirstKeysHostPathOrPort() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--http-load-balancer", "--tcp-load-balancer");
             TestBackend serviceA = new TestBackend();
             TestBackend serviceB = new TestBackend()) {
            int port = TcpAndAliasIT.freePort();
            SshClient a = tuns.ssh("-R", "app:80:127.0.0.1:" + serviceA.port(),
                    "-R", port + ":127.0.0.1:" + serviceA.port(), "127.0.0.1");
            a.await("TCP: localhost:" + port, Duration.ofSeconds(15));
            assertThat(tuns.get("app.localhost", "/hello").statusCode()).isEqualTo(200);

            Path keyB = tuns.authoriseAnotherKey("tenantb");
            SshClient b = tuns.ssh(keyB, "-R", "app/admin:80:127.0.0.1:" + serviceB.port(),
                    "-R", "x.app:80:127.0.0.1:" + serviceB.port(),
                    "-R", "app:80:127.0.0.1:" + serviceB.port(),
                    "-R", port + ":127.0.0.1:" + serviceB.port(), "127.0.0.1");
            // each refused request falls back to a random name or port (no --force-requested-*); B stays connected
            b.await("(?s)(The subdomain app.localhost is unavailable.*){2}", Duration.ofSeconds(20));
            b.await("The subdomain x.app.localhost is unavailable", Duration.ofSeconds(5));
            b.await("The TCP port " + port + " is unavailable", Duration.ofSeconds(5));
            assertThat(b.output()).contains("belongs to another key");

            for (int i = 0; i < 6; i++) {
                assertThat(tuns.get("app.localhost", "/admin/page" + i).statusCode()).isEqualTo(404); // A's backend answers
                assertThat(tuns.get("app.localhost", "/hello").body()).isEqualTo("hello from backend\n");
                assertThat(Curl.run("http://127.0.0.1:" + port + "/hello").out()).isEqualTo("hello from backend\n");
            }
            assertThat(tuns.get("x.app.localhost", "/hello").statusCode()).as("B got no name under A's").isEqualTo(404);
            assertThat(serviceB.requests).as("requests meant for key A that reached key B").isEmpty();
            assertThat(serviceA.requests).filteredOn(r -> r.contains("/admin/page")).hasSize(6);
        }
    }
}
