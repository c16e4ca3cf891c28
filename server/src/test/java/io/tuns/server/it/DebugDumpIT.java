package io.tuns.server.it;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --debug: a periodic state dump in the server log that names tunnels and connections but never a token. */
class DebugDumpIT {

    @Test
    void dumpListsTunnelsAndConnectionsWithoutConsoleTokens() throws Exception {
        Path dir = Files.createTempDirectory("tuns-debug");
        Path key = TunsFixture.authorisedKeyIn(dir);
        try (TestBackend backend = new TestBackend();
             ForkedTuns tuns = ForkedTuns.start(dir, List.of("-Xmx128m"), "--debug", "--debug-interval=300ms",
                     "--service-console");
             SshClient ssh = SshClient.start(tuns.sshPort, key, List.of("-R", "dbg:80:127.0.0.1:" + backend.port(),
                     "127.0.0.1"))) {
            String console = ssh.await("x-authorization=[A-Za-z0-9_-]+", Duration.ofSeconds(15));
            Matcher m = Pattern.compile("x-authorization=([A-Za-z0-9_-]+)").matcher(console);
            assertThat(m.find()).isTrue();
            String token = m.group(1);
            assertThat(Curl.run("-H", "Host: dbg.localhost", "http://127.0.0.1:" + tuns.httpPort
                    + "/hello?api_key=hunter2").out()).isEqualTo("hello from backend\n");
            String log = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(
                    () -> Files.readString(tuns.log, StandardCharsets.UTF_8),
                    l -> l.contains("event=debug_tunnel type=http host=dbg.localhost"));
            assertThat(log).contains("event=debug_tunnel type=http host=dbg.localhost",
                    "event=debug_connection remote=127.0.0.1:", "user=", "connections=1 tunnels=1",
                    "event=request host=dbg.localhost method=GET path=\"/hello\" status=200");
            assertThat(log).as("query strings stay out of the log").doesNotContain("hunter2");
            assertThat(log).as("the dump repeats every --debug-interval")
                    .containsPattern("(?s)event=debug threads=.*event=debug threads=");
            assertThat(log).as("no console token in the log").doesNotContain(token);
        }
    }
}
