package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Per-IP limits on the SSH listener and the handshake timeout, with the real OpenSSH client. */
class AbuseLimitsIT {

    @Test
    void failedLoginsBanTheAddressWithAMessageAndOtherAddressesAreUnaffected() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--authentication-password=right-one",
                "--max-auth-failures-per-ip=3");
             TestBackend backend = new TestBackend()) {
            SshClient guesser = Logins.password(tuns, "127.0.0.2", "mallory", "guess", 3, "-N");
            assertThat(guesser.process().waitFor()).isNotZero();
            assertThat(guesser.output())
                    .contains("too many failed authentications from 127.0.0.2; try again in 10 minutes");

            SshClient again = Logins.password(tuns, "127.0.0.2", "mallory", "right-one", 1,
                    "-R", "mal:80:127.0.0.1:" + backend.port());
            assertThat(again.process().waitFor()).as("even the right password").isNotZero();
            assertThat(again.output())
                    .contains("too many failed authentications from 127.0.0.2; try again in 10 minutes");
            assertThat(tuns.server.registry().httpTunnel("mal.localhost")).isEmpty();

            SshClient other = Logins.password(tuns, "127.0.0.1", "alice", "right-one", 1,
                    "-R", "ok:80:127.0.0.1:" + backend.port());
            assertThat(other.httpUrl()).startsWith("http://ok.localhost:");
        }
    }

    @Test
    void refusedKeysCountOncePerConnection() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-auth-failures-per-ip=2");
             TestBackend backend = new TestBackend()) {
            java.nio.file.Path stranger = TunsFixture.keygen(tuns.dir, "stranger");
            SshClient first = tuns.ssh(stranger, "-b", "127.0.0.2", "-N", "127.0.0.1");
            assertThat(first.process().waitFor()).isNotZero();
            assertThat(first.output()).contains("Permission denied").doesNotContain("too many");
            SshClient second = tuns.ssh(stranger, "-b", "127.0.0.2", "-N", "127.0.0.1");
            assertThat(second.process().waitFor()).isNotZero();
            // the ban starts when the second failed connection ends; the next one is told
            Thread.sleep(300);
            SshClient third = tuns.ssh("-b", "127.0.0.2", "-R", "k:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(third.process().waitFor()).isNotZero();
            assertThat(third.output()).contains("too many failed authentications from 127.0.0.2; try again in");
        }
    }

    @Test
    void connectionsPerAddressAreLimitedWithAMessage() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--max-connections-per-ip=2");
             TestBackend backend = new TestBackend()) {
            SshClient one = tuns.ssh("-R", "c1:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            SshClient two = tuns.ssh("-R", "c2:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            one.httpUrl();
            two.httpUrl();
            SshClient three = tuns.ssh("-R", "c3:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(three.process().waitFor()).isNotZero();
            assertThat(three.output())
                    .contains("too many connections from 127.0.0.1 (2 open, the limit is 2); close one and try again");

            SshClient elsewhere = tuns.ssh("-b", "127.0.0.2", "-R", "c4:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(elsewhere.httpUrl()).as("another address has its own count").startsWith("http://c4.localhost:");

            one.close();
            Thread.sleep(500);
            SshClient four = tuns.ssh("-R", "c5:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(four.httpUrl()).as("a closed connection frees its slot").startsWith("http://c5.localhost:");
        }
    }

    @Test
    void aClientThatNeverFinishesTheHandshakeIsDroppedAfterCleanupUnauthedTimeout() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--cleanup-unauthed-timeout=1s")) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", tuns.server.sshPort()), 5000);
                s.setSoTimeout(15_000);
                long start = System.nanoTime();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[256];
                int n = in.read(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("SSH-2.0-tuns");
                try {
                    while (in.read(buf) >= 0) {
                        // the server's KEXINIT may follow; we send nothing back
                    }
                } catch (SocketException reset) {
                    // closed either way
                }
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).isBetween(Duration.ofMillis(800), Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void beyondMaxStartupsANewConnectionIsClosedAtOnceAndTheSlotFreesWhenTheHolderGoes() throws Exception {
        // --max-connections-per-ip=2: a dropped connection must also give back its per-IP count, or the two
        // drops below would lock 127.0.0.1 out
        try (TunsFixture tuns = TunsFixture.start("--max-startups=1", "--max-connections-per-ip=2");
             TestBackend backend = new TestBackend()) {
            try (Socket holder = new Socket()) {
                // a client that sent its version line and nothing more holds the one startup slot
                holder.connect(new InetSocketAddress("127.0.0.1", tuns.server.sshPort()), 5000);
                holder.getOutputStream().write("SSH-2.0-holder\r\n".getBytes(StandardCharsets.US_ASCII));
                holder.setSoTimeout(5000);
                assertThat(holder.getInputStream().read()).as("the holder was admitted: the server speaks").isEqualTo('S');

                long start = System.nanoTime();
                SshClient refused = tuns.ssh("-R", "ms1:80:127.0.0.1:" + backend.port(), "127.0.0.1");
                assertThat(refused.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("ssh ended").isTrue();
                assertThat(refused.process().exitValue()).isNotZero();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("closed at once, not after a deadline")
                        .isLessThan(Duration.ofSeconds(4));
                assertThat(refused.output()).doesNotContain("HTTP:");
                SshClient refusedAgain = tuns.ssh("-R", "ms1:80:127.0.0.1:" + backend.port(), "127.0.0.1");
                assertThat(refusedAgain.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
            // the holder is gone: its slot is released when the server sees the close
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        try (SshClient ok = tuns.ssh("-R", "ms2:80:127.0.0.1:" + backend.port(), "127.0.0.1")) {
                            assertThat(ok.httpUrl()).startsWith("http://ms2.localhost:");
                        }
                    });
            assertThat(tuns.get("localhost", "/_sish/metrics").body())
                    .containsPattern("(?m)^sish_ssh_startups_dropped_total [1-9]");
        }
    }
}
