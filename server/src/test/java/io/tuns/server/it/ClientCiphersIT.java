package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.kex.KexProposalOption;
import org.apache.sshd.common.kex.extension.KexExtensionHandler;
import org.apache.sshd.common.session.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #18: with the default --ssh-ciphers, tuns sends its KEXINIT after reading the client's and offers the first
 * of its ciphers that the client lists. Stock OpenSSH lists aes-ctr before aes-gcm, so it took aes128-ctr from the
 * full list; now it gets aes128-gcm, and a client that asks for aes-ctr alone still gets in. A client that waits for
 * the server's KEXINIT (MINA's client, with a KEX-extension handler that wants the server's proposal first) still
 * connects, after the short wait, with the full list. A list the operator gives is offered as it is.
 */
@Timeout(120)
class ClientCiphersIT {

    @Test
    void openSshGetsAesGcmAndAClientAskingForAesCtrStillConnects() throws Exception {
        try (TestBackend backend = new TestBackend(); TunsFixture tuns = TunsFixture.start()) {
            // a re-key every 256 KiB: each is started by the client, after the first one held back
            SshClient stock = tuns.ssh("-v", "-o", "RekeyLimit=256K", "-R", "gcm:80:127.0.0.1:" + backend.port(),
                    "127.0.0.1");
            String host = TunsFixture.hostOf(stock.await("HTTP: (http://\\S+)", Duration.ofSeconds(30)));
            HttpResponse<byte[]> r = tuns.http.send(tuns.request(host, "/bytes?size=4194304&seed=7").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(sha256(r.body())).isEqualTo(TestBackend.sha256OfPattern(4194304, 7));
            assertThat(stock.output()).contains("kex: client->server cipher: aes128-gcm@openssh.com");
            assertThat(Pattern.compile("kex: server->client cipher: aes128-gcm@openssh.com")
                    .matcher(stock.output()).results().count()).isGreaterThan(2);

            SshClient ctr = tuns.ssh("-v", "-c", "aes128-ctr", "-R", "ctr:80:127.0.0.1:9", "127.0.0.1");
            ctr.await("HTTP: (http://\\S+)", Duration.ofSeconds(30));
            assertThat(ctr.output()).contains("kex: server->client cipher: aes128-ctr")
                    .contains("kex: client->server cipher: aes128-ctr");
        }
    }

    @Test
    void aClientThatWaitsForTheServersKexInitGetsTheFullListAfterTheWait() throws Exception {
        try (TunsFixture tuns = TunsFixture.start();
                org.apache.sshd.client.SshClient mina = org.apache.sshd.client.SshClient.setUpDefaultClient()) {
            mina.start();
            // MINA's client lists aes-ctr before aes-gcm, as OpenSSH does
            assertThat(negotiated(mina, tuns)).isEqualTo("aes128-gcm@openssh.com");

            mina.setKexExtensionHandler(new KexExtensionHandler() {
                @Override
                public boolean isKexExtensionsAvailable(Session session, AvailabilityPhase phase) {
                    return phase == AvailabilityPhase.PREKEX; // hold our KEXINIT until the server's is read
                }
            });
            long start = System.nanoTime();
            assertThat(negotiated(mina, tuns)).isEqualTo("aes128-ctr");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void aListGivenIsOfferedAsItIs() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--ssh-ciphers=aes256-gcm@openssh.com,aes128-ctr")) {
            SshClient stock = tuns.ssh("-v", "-R", "given:80:127.0.0.1:9", "127.0.0.1");
            stock.await("HTTP: (http://\\S+)", Duration.ofSeconds(30));
            assertThat(stock.output()).contains("kex: server->client cipher: aes128-ctr"); // OpenSSH's order wins
        }
    }

    private static String sha256(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    }

    /** The server-to-client cipher a MINA client session negotiates, once it reaches authentication. */
    private static String negotiated(org.apache.sshd.client.SshClient mina, TunsFixture tuns) throws Exception {
        try (ClientSession s = mina.connect("user", "127.0.0.1", tuns.server.sshPort())
                .verify(Duration.ofSeconds(30)).getSession()) {
            s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH, ClientSession.ClientSessionEvent.CLOSED),
                    Duration.ofSeconds(30));
            assertThat(s.isOpen()).isTrue();
            assertThat(s.getNegotiatedKexParameter(KexProposalOption.C2SENC))
                    .isEqualTo(s.getNegotiatedKexParameter(KexProposalOption.S2CENC));
            return s.getNegotiatedKexParameter(KexProposalOption.S2CENC);
        }
    }
}
