package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** sish's key and password callback URLs with the real OpenSSH client and a JDK HTTP server as the callback. */
class AuthCallbackIT {

    @Test
    void keyCallbackGetsSishsJsonAndDecidesAfterTheLocalKeys() throws Exception {
        try (CallbackServer cb = new CallbackServer();
             TunsFixture tuns = TunsFixture.start("--authentication-key-request-url=" + cb.url(),
                     "--authentication-key-request-timeout=5s");
             TestBackend backend = new TestBackend()) {
            cb.answer(body -> body.contains("\"user\":\"alice\"") ? 200 : 403);
            Path stranger = TunsFixture.keygen(tuns.dir, "stranger");
            String pub = Files.readString(Path.of(stranger + ".pub")).trim();
            String keyLine = pub.substring(0, pub.lastIndexOf(' ')); // without the comment, as sish sends it

            SshClient alice = tuns.ssh(stranger, "-R", "cb1:80:127.0.0.1:" + backend.port(), "alice@127.0.0.1");
            assertThat(alice.httpUrl()).startsWith("http://cb1.localhost:");
            assertThat(cb.calls).as("the probe and the signed request share one call").hasSize(1);
            CallbackServer.Call call = cb.calls.get(0);
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.contentType()).isEqualTo("application/json");
            assertThat(call.body()).matches(Pattern.quote("{\"auth_key\":\"" + keyLine
                    + "\",\"user\":\"alice\",\"remote_addr\":\"127.0.0.1:") + "\\d+\"}");

            SshClient bob = tuns.ssh(stranger, "-R", "cb2:80:127.0.0.1:" + backend.port(), "bob@127.0.0.1");
            assertThat(bob.process().waitFor()).isNotZero();
            assertThat(bob.output()).contains("Permission denied");
            assertThat(tuns.server.registry().httpTunnel("cb2.localhost")).isEmpty();

            int asked = cb.calls.size();
            SshClient local = tuns.ssh("-R", "cb3:80:127.0.0.1:" + backend.port(), "carol@127.0.0.1");
            assertThat(local.httpUrl()).startsWith("http://cb3.localhost:");
            assertThat(cb.calls).as("a key from the directory never reaches the URL").hasSize(asked);
        }
    }

    @Test
    void aKeyCallbackSlowerThanItsTimeoutRefuses() throws Exception {
        try (CallbackServer cb = new CallbackServer();
             TunsFixture tuns = TunsFixture.start("--authentication-key-request-url=" + cb.url(),
                     "--authentication-key-request-timeout=500ms");
             TestBackend backend = new TestBackend()) {
            cb.delay(Duration.ofSeconds(4));
            Path stranger = TunsFixture.keygen(tuns.dir, "slow");
            long start = System.nanoTime();
            SshClient slow = tuns.ssh(stranger, "-R", "slow:80:127.0.0.1:" + backend.port(), "alice@127.0.0.1");
            assertThat(slow.process().waitFor()).isNotZero();
            assertThat(slow.output()).contains("Permission denied");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
            assertThat(cb.calls).hasSize(1);
        }
    }

    @Test
    void passwordCallbackGetsSishsJsonAndOnly200Accepts() throws Exception {
        try (CallbackServer cb = new CallbackServer();
             TunsFixture tuns = TunsFixture.start("--authentication-password-request-url=" + cb.url(),
                     "--authentication-password-request-timeout=5s");
             TestBackend backend = new TestBackend()) {
            cb.answer(body -> body.contains("\"password\":\"open sesame\"") ? 200 : 401);
            SshClient ok = Logins.password(tuns, "127.0.0.1", "alice", "open sesame", 1,
                    "-R", "pw1:80:127.0.0.1:" + backend.port());
            assertThat(ok.httpUrl()).startsWith("http://pw1.localhost:");
            assertThat(cb.calls.get(0).contentType()).isEqualTo("application/json");
            assertThat(cb.calls.get(0).body()).matches(Pattern.quote(
                    "{\"password\":\"open sesame\",\"user\":\"alice\",\"remote_addr\":\"127.0.0.1:") + "\\d+\"}");

            SshClient wrong = Logins.password(tuns, "127.0.0.1", "alice", "guess", 1,
                    "-R", "pw2:80:127.0.0.1:" + backend.port());
            assertThat(wrong.process().waitFor()).isNotZero();
            assertThat(wrong.output()).contains("Permission denied");
            assertThat(tuns.server.registry().httpTunnel("pw2.localhost")).isEmpty();

            cb.delay(Duration.ofSeconds(8)).answer(body -> 200);
            long start = System.nanoTime();
            SshClient slow = Logins.password(tuns, "127.0.0.1", "alice", "open sesame", 1,
                    "-R", "pw3:80:127.0.0.1:" + backend.port());
            assertThat(slow.process().waitFor()).isNotZero();
            assertThat(slow.output()).contains("Permission denied");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
    }
}
