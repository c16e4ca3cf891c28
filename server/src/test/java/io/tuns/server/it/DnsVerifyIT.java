package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** --verify-dns: a key binds a custom domain whose _sish TXT record is its fingerprint; Debian's dnsmasq serves it. */
class DnsVerifyIT {

    @Test
    void txtRecordProvesOwnershipOfACustomDomain() throws Exception {
        Path dir = Files.createTempDirectory("tuns-dns");
        Path owner = TunsFixture.keygen(dir, "owner");
        String fingerprint = fingerprint(owner);
        int dnsPort;
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            dnsPort = s.getLocalPort();
        }
        Process dns = new ProcessBuilder("/usr/sbin/dnsmasq", "--no-daemon", "--port=" + dnsPort,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root",
                "--txt-record=_sish.app.owned.example," + fingerprint)
                .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        try (TunsFixture tuns = TunsFixture.start("--verify-dns", "--dns-resolver=127.0.0.1:" + dnsPort);
             TestBackend backend = new TestBackend()) {
            Files.copy(Path.of(owner + ".pub"), tuns.dir.resolve("pubkeys/owner.pub"));
            Thread.sleep(1200);
            tuns.ssh(owner, "-R", "app.owned.example:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                    .await("HTTP: http://app\\.owned\\.example:\\d+", Duration.ofSeconds(20));
            assertThat(tuns.get("app.owned.example", "/hello").body()).isEqualTo("hello from backend\n");
            // another key has no TXT record for the name: it gets a name under the domain instead
            tuns.ssh("-R", "app.owned.example:80:127.0.0.1:" + backend.port(), "127.0.0.1")
                    .await("HTTP: http://app\\.owned\\.example\\.localhost", Duration.ofSeconds(20));
        } finally {
            dns.destroyForcibly();
        }
    }

    static String fingerprint(Path key) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.split("\\s+")[1];
    }
}
