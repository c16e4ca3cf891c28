package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Host keys are loaded on a thread of their own; what start-up sees must be what a direct load gives. */
@Timeout(60)
class HostKeysTest {

    @TempDir
    Path dir;

    private static List<KeyPair> keys(KeyPairProvider p) throws Exception {
        List<KeyPair> out = new ArrayList<>();
        p.loadKeys(null).forEach(out::add);
        return out;
    }

    @Test
    void theFirstLoadGeneratesAnEncryptedKeyThatLaterLoadsReturn() throws Exception {
        Path keysDir = dir.resolve("keys");
        SecurityProviders.registerInBackground(); // as Main does: the load must not depend on it having finished
        List<KeyPair> first = keys(HostKeys.await(HostKeys.loadInBackground(keysDir, "secret")));
        assertThat(first).hasSize(1);
        assertThat(Files.readString(keysDir.resolve("ssh_key")))
                .startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        List<KeyPair> again = keys(HostKeys.await(HostKeys.loadInBackground(keysDir, "secret")));
        assertThat(again.get(0).getPublic()).isEqualTo(first.get(0).getPublic());
    }

    @Test
    void aWrongPassphraseIsAConfigErrorNamingTheFlagWhenAwaited() {
        Path keysDir = dir.resolve("keys");
        HostKeys.load(keysDir, "right");
        assertThatThrownBy(() -> HostKeys.await(HostKeys.loadInBackground(keysDir, "wrong")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--private-key-passphrase");
    }

    @Test
    void anUnreadableDirectoryIsAConfigErrorNamingTheFlag() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> HostKeys.await(HostKeys.loadInBackground(file, "p")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--private-keys-directory");
    }
}
