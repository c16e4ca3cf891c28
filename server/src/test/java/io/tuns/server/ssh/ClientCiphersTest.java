package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientCiphersTest {

    private static final String LIST = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";

    @Test
    void openSsh62AndLaterAreOfferedTheGcmCiphersOnly() {
        String gcm = "aes128-gcm@openssh.com,aes256-gcm@openssh.com";
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", LIST)).isEqualTo(gcm);
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_6.2", LIST)).isEqualTo(gcm);
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_10.0", LIST)).isEqualTo(gcm);
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_7.4", "aes256-gcm@openssh.com, aes128-ctr"))
                .isEqualTo("aes256-gcm@openssh.com");
    }

    @Test
    void everyoneElseGetsTheListAsConfigured() {
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_6.1", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_5.9p1", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer("SSH-2.0-APACHE-SSHD-2.20.0", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer("SSH-2.0-PuTTY_Release_0.81", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer("SSH-2.0-Go", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer("SSH-2.0-dropbear_2022.83 OpenSSH_9.0", LIST)).isEqualTo(LIST);
        assertThat(ClientCiphers.offer(null, LIST)).isEqualTo(LIST);
    }

    @Test
    void aListWithoutGcmIsOfferedAsItIs() {
        assertThat(ClientCiphers.offer("SSH-2.0-OpenSSH_9.2", "aes128-ctr,aes256-ctr")).isEqualTo("aes128-ctr,aes256-ctr");
    }
}
