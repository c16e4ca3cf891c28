package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tuns.server.tunnel.Tunnel;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #15: sish's {@code /_sish/api/clients} puts TCP ports under {@code listeners} and aliases under
 * {@code tcpAliases} (not all under {@code httpListeners}), and {@code disconnectroute/<type>/<base64 listener>}
 * closes the forward it names, as sish's console page sends it.
 */
class AdminApiIT {

    private static final String ADMIN = "adm1n-t0ken-for-the-api";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void eachKindIsListedWhereSishListsItAndARouteCanBeDisconnected() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (TunsFixture tuns = TunsFixture.start("--admin-console", "--admin-console-token=" + ADMIN);
             TestBackend backend = new TestBackend()) {
            SshClient c = tuns.ssh("-R", "web:80:127.0.0.1:" + backend.port(), "-R", "web/api:80:127.0.0.1:" + backend.port(),
                    "-R", "localhost:" + port + ":127.0.0.1:" + backend.port(),
                    "-R", "db:5432:127.0.0.1:" + backend.port(), "127.0.0.1");
            c.await("TCP Alias: db:5432", Duration.ofSeconds(15));
            c.await("TCP: localhost:" + port, Duration.ofSeconds(15));
            c.await("(?s)(HTTP: http://web\\.localhost.*){2}", Duration.ofSeconds(15));

            JsonNode clients = MAPPER.readTree(tuns.get("localhost", "/_sish/api/clients?x-authorization=" + ADMIN).body())
                    .get("clients");
            assertThat(clients.size()).isEqualTo(1);
            JsonNode routes = clients.elements().next().get("routeListeners");
            assertThat(MAPPER.convertValue(routes.get("httpListeners"), Map.class).keySet())
                    .containsExactlyInAnyOrder("web.localhost", "web.localhost/api");
            assertThat(routes.get("listeners").has(":" + port)).as(routes.toString()).isTrue();
            assertThat(routes.get("tcpAliases").has("db:5432")).as(routes.toString()).isTrue();

            String listener = routes.get("tcpAliases").get("db:5432").asText();
            String b64 = Base64.getEncoder().encodeToString(listener.getBytes(StandardCharsets.UTF_8));
            JsonNode done = MAPPER.readTree(tuns.get("localhost",
                    "/_sish/api/disconnectroute/tcpalias/" + b64 + "?x-authorization=" + ADMIN).body());
            assertThat(done.get("status").asBoolean()).isTrue();
            LifecycleIT.eventually(() -> tuns.server.registry().all().stream()
                    .noneMatch(t -> t.type() == Tunnel.TunnelType.ALIAS), Duration.ofSeconds(5), "the alias is closed");
            c.await("Your tunnel db:5432 was closed by an administrator", Duration.ofSeconds(5));
        }
    }
}
