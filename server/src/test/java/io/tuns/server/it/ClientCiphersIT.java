package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.kex.KexProposalOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue #18: the cipher is chosen per client from its version line. A real OpenSSH client (which lists aes-ctr
 * before aes-gcm and would take aes128-ctr from the full list) negotiates aes128-gcm; MINA's own client, whose
 * version line is not OpenSSH's and whose preference is also aes-ctr first, is offered the full list and takes
 * aes128-ctr, which it could not if it had been offered the GCM ciphers alone.
 */
@Timeout(90)
class ClientCiphersIT {

    @Test
    void openSshGetsAesGcmAndOtherClientsTheFullList() throws Exception {
        try (TunsFixture tuns = TunsFixture.start()) {
            SshClient ssh = tuns.ssh("-v", "-N", "-R", "ciphers:80:127.0.0.1:9", "127.0.0.1");
            ssh.await("kex: server->client cipher: \\S+", Duration.ofSeconds(30));
            assertThat(ssh.output()).contains("kex: server->client cipher: aes128-gcm@openssh.com")
                    .contains("kex: client->server cipher: aes128-gcm@openssh.com");

            try (org.apache.sshd.client.SshClient mina = org.apache.sshd.client.SshClient.setUpDefaultClient()) {
                mina.start();
                try (ClientSession s = mina.connect("user", "127.0.0.1", tuns.server.sshPort())
                        .verify(Duration.ofSeconds(30)).getSession()) {
                    s.waitFor(EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH,
                            ClientSession.ClientSessionEvent.CLOSED), Duration.ofSeconds(30));
                    assertThat(s.getServerVersion()).startsWith("SSH-2.0-"); // read by the key exchange
                    assertThat(s.getClientVersion()).doesNotContain("OpenSSH");
                    assertThat(s.getNegotiatedKexParameter(KexProposalOption.S2CENC)).isEqualTo("aes128-ctr");
                    assertThat(s.getNegotiatedKexParameter(KexProposalOption.C2SENC)).isEqualTo("aes128-ctr");
                }
            }
        }
    }
}
