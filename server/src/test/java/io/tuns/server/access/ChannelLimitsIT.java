package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The limits that already existed, each pushed past with the real OpenSSH client. */
class ChannelLimitsIT {

    @Test
    void aForwardBeyondMaxForwardsPerConnectionIsRefusedWithAMessage() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-forwards-per-connection=2");
             TestBackend backend = new TestBackend()) {
            SshClient ssh = Logins.keyKeepingFailedForwards(tuns, "-R", "f1:80:127.0.0.1:" + backend.port(),
                    "-R", "f2:80:127.0.0.1:" + backend.port(), "-R", "f3:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            try {
                ssh.await("This connection already has 2 forwards, the most this server allows "
                        + "\\(--max-forwards-per-connection\\)", Duration.ofSeconds(15));
                assertThat(tuns.server.registry().httpTunnel("f1.localhost")).isPresent();
                assertThat(tuns.server.registry().httpTunnel("f2.localhost")).isPresent();
                assertThat(tuns.server.registry().httpTunnel("f3.localhost")).isEmpty();
            } finally {
                ssh.close();
            }
        }
    }

    @Test
    void aSecondConcurrentRequestBeyondMaxChannelsPerConnectionGets503() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-channels-per-connection=1");
             TestBackend backend = new TestBackend()) {
            SshClient ssh = tuns.ssh("-R", "ch:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            ssh.httpUrl();
            assertSecondRequestRefused(tuns, "ch.localhost", "--max-channels-per-connection");
        }
    }

    @Test
    void aRequestBeyondMaxForwardedChannelsGets503() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-forwarded-channels=1");
             TestBackend backend = new TestBackend()) {
            tuns.ssh("-R", "g1:80:127.0.0.1:" + backend.port(), "127.0.0.1").httpUrl();
            tuns.ssh("-R", "g2:80:127.0.0.1:" + backend.port(), "127.0.0.1").httpUrl();
            HttpResponse<InputStream> held = tuns.http.send(tuns.request("g1.localhost", "/sse").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream stream = held.body()) {
                assertThat(held.statusCode()).isEqualTo(200);
                HttpResponse<String> refused = tuns.get("g2.localhost", "/hello");
                assertThat(refused.statusCode()).as("another tunnel, same global budget").isEqualTo(503);
                assertThat(refused.body()).contains("--max-forwarded-channels");
            }
            awaitOk(tuns, "g2.localhost");
        }
    }

    /** Holds an endless response open on {@code host}, then checks a second request is refused with 503. */
    private static void assertSecondRequestRefused(TunsFixture tuns, String host, String flag) throws Exception {
        HttpResponse<InputStream> held = tuns.http.send(tuns.request(host, "/sse").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream stream = held.body()) {
            assertThat(held.statusCode()).isEqualTo(200);
            HttpResponse<String> refused = tuns.get(host, "/hello");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains(flag);
        }
        awaitOk(tuns, host);
    }

    /** Once the held response is closed its channel is released and requests pass again. */
    private static void awaitOk(TunsFixture tuns, String host) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 0;
        while (System.nanoTime() < end) {
            status = tuns.get(host, "/hello").statusCode();
            if (status == 200) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(status).isEqualTo(200);
    }
}
