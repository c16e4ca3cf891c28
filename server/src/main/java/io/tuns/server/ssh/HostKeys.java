package io.tuns.server.ssh;

import io.tuns.server.config.ConfigException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Host keys, as sish keeps them: every private key in {@code --private-keys-directory}; on first start an
 * ed25519 key {@code ssh_key} is generated there, encrypted with {@code --private-key-passphrase}, and reused
 * ever after so clients' known_hosts stay valid.
 */
final class HostKeys {

    private HostKeys() {
    }

    /**
     * {@link #load} on a thread of its own, started now: decrypting the key (bcrypt KDF) is the slowest part of
     * start-up after BouncyCastle's registration, and nothing but the SSH listener needs it. {@link #await} the
     * result before listening.
     */
    static CompletableFuture<KeyPairProvider> loadInBackground(Path dir, String passphrase) {
        CompletableFuture<KeyPairProvider> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(load(dir, passphrase));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }, "tuns-host-keys");
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** The keys from {@link #loadInBackground}; its {@link ConfigException} (or other failure) rethrown as is. */
    static KeyPairProvider await(CompletableFuture<KeyPairProvider> keys) {
        try {
            return keys.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    static KeyPairProvider load(Path dir, String passphrase) {
        SecurityProviders.register();
        try {
            Files.createDirectories(dir);
            List<Path> files = privateKeyFiles(dir);
            if (files.isEmpty()) {
                Path key = dir.resolve("ssh_key");
                generate(key, passphrase);
                files = List.of(key);
            }
            FileKeyPairProvider provider = new FileKeyPairProvider(files);
            provider.setPasswordFinder(FilePasswordProvider.of(passphrase));
            List<KeyPair> pairs = new ArrayList<>();
            provider.loadKeys(null).forEach(pairs::add);
            if (pairs.isEmpty()) {
                throw new ConfigException("--private-keys-directory: no usable host key in " + dir
                        + " (wrong --private-key-passphrase?)");
            }
            return KeyPairProvider.wrap(pairs);
        } catch (IOException e) {
            throw new ConfigException("--private-keys-directory: cannot use " + dir + ": " + e.getMessage());
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException("--private-keys-directory: cannot read the host keys in " + dir
                    + " (wrong --private-key-passphrase?): " + e.getMessage());
        }
    }

    private static List<Path> privateKeyFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".pub"))
                    .sorted().toList();
        }
    }

    private static void generate(Path file, String passphrase) throws Exception {
        KeyPair kp = SecurityUtils.getKeyPairGenerator(SecurityUtils.ED25519).generateKeyPair();
        OpenSSHKeyEncryptionContext enc = new OpenSSHKeyEncryptionContext();
        enc.setPassword(passphrase);
        enc.setCipherName("AES");
        enc.setCipherMode("CTR");
        enc.setCipherType("256");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "tuns host key", enc, out);
        }
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        Files.move(tmp, file);
    }
}
