package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import java.util.Map;
import org.apache.sshd.common.NamedResource;
import org.junit.jupiter.api.Test;

class SshCiphersTest {

    @Test
    void defaultOffersAesOnlyInTheGivenOrder() {
        String defaults = ConfigLoader.load(new String[0], Map.of()).sshCiphers();
        assertThat(SshCiphers.parse(defaults)).extracting(NamedResource::getName).containsExactly(
                "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr");
    }

    @Test
    void onlyTheDefaultListIsChosenPerClient() {
        assertThat(SshCiphers.choosePerClient(ConfigLoader.load(new String[0], Map.of()).sshCiphers())).isTrue();
        String given = ConfigLoader.load(new String[] {"--ssh-ciphers=aes128-ctr,aes128-gcm@openssh.com"}, Map.of())
                .sshCiphers();
        assertThat(SshCiphers.choosePerClient(given)).isFalse();
    }

    @Test
    void chachaCanBeOfferedAgain() {
        assertThat(SshCiphers.parse("chacha20-poly1305@openssh.com, aes128-ctr"))
                .extracting(NamedResource::getName)
                .containsExactly("chacha20-poly1305@openssh.com", "aes128-ctr");
    }

    @Test
    void unknownCipherIsAOneLineErrorNamingTheFlag() {
        assertThatThrownBy(() -> SshCiphers.parse("aes128-ctr,rot13"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--ssh-ciphers: unknown or unsupported cipher 'rot13'; supported: ")
                .hasMessageContaining("aes128-gcm@openssh.com")
                .hasMessageNotContaining("\n");
    }

    @Test
    void noneIsRefused() {
        assertThatThrownBy(() -> SshCiphers.parse("none"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unencrypted");
    }
}
