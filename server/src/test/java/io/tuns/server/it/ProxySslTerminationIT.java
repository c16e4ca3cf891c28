package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * --proxy-ssl-termination: a proxy in front of tuns terminates TLS and speaks plain HTTP to us. Users are shown
 * only the proxy's https URL, and services hear X-Forwarded-Proto: https.
 */
class ProxySslTerminationIT {

    @Test
    void onlyHttpsUrlsArePrintedAndServicesAreToldTheVisitorUsedHttps() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--proxy-ssl-termination", "--https-port-override=8443",
                "--service-console");
             TestBackend backend = new TestBackend()) {
            SshClient ssh = tuns.ssh("-R", "term/app:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(ssh.await("HTTPS: (\\S+)", Duration.ofSeconds(15))).isEqualTo("https://term.localhost:8443/app");
            assertThat(ssh.await("Service console can be accessed here: (https://\\S+)", Duration.ofSeconds(5)))
                    .startsWith("https://term.localhost:8443/_sish/console?x-authorization=");
            Thread.sleep(300);
            assertThat(ssh.output()).doesNotContain("HTTP: http://");
            String headers = tuns.get("term.localhost", "/app/headers").body();
            assertThat(headers).contains("x-forwarded-proto: https");
        }
    }
}
