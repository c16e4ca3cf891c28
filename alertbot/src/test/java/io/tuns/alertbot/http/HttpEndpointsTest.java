package io.tuns.alertbot.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.alertbot.AlertBotIT;
import io.tuns.alertbot.MutableClock;
import io.tuns.alertbot.RecordingMailSink;
import io.tuns.alertbot.alerts.AlertFormatter;
import io.tuns.alertbot.alerts.AlertRelay;
import io.tuns.alertbot.alerts.Heartbeat;
import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.Secret;
import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.state.StateStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpEndpointsTest {
    @TempDir
    Path dir;
    HttpEndpoints http;
    final HttpClient client = HttpClient.newHttpClient();
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    HttpEndpoints start(MailSink mail) throws Exception {
        MailText text = new MailText(ZoneId.of("UTC"), "b@x.org");
        Heartbeat hb = new Heartbeat(new AlertbotConfig.Heartbeat(false, "Watchdog", Duration.ofMinutes(10)), clock,
                mail, text, List.of("ops@x.org"), new StateStore(dir));
        AlertRelay relay = new AlertRelay((lines, r) -> false, mail, new AlertFormatter(5, 400), text,
                List.of("ops@x.org"), clock, hb, (c, r) -> { });
        http = new HttpEndpoints(new AlertbotConfig.Http("127.0.0.1", 0, Optional.of(new Secret("t0ken")), 2048),
                relay, new BotMetrics(clock), () -> Map.of("ok", true), () -> true);
        http.start();
        return http;
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
    }

    HttpResponse<String> post(String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/alertmanager"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void webhookStatusCodes() throws Exception {
        RecordingMailSink mail = new RecordingMailSink();
        start(mail);
        String ok = AlertBotIT.payload("firing", "A", "s");
        assertThat(post(null, ok).statusCode()).isEqualTo(401);
        assertThat(post("t0kem", ok).statusCode()).isEqualTo(401);
        assertThat(post("t0ken", "{not json").statusCode()).isEqualTo(400);
        assertThat(post("t0ken", "{\"alerts\":\"no\"}").statusCode()).isEqualTo(400);
        assertThat(post("t0ken", "x".repeat(2049)).statusCode()).isEqualTo(413);
        assertThat(mail.mails).isEmpty();
        assertThat(post("t0ken", ok).statusCode()).isEqualTo(200);
        assertThat(mail.subjects()).containsExactly("[FIRING:1] A");
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + http.port() + "/alertmanager")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
    }

    @Test
    void unstorableAlertIs503SoAlertmanagerRetries() throws Exception {
        start(m -> false);
        assertThat(post("t0ken", AlertBotIT.payload("firing", "A", "s")).statusCode()).isEqualTo(503);
    }
}
