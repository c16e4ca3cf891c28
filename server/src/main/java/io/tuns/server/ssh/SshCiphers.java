package io.tuns.server.ssh;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ServerConfig;
import java.util.Arrays;
import java.util.List;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;

/**
 * The ciphers the SSH listener offers ({@code --ssh-ciphers}). The client takes the first cipher of its own list that
 * the server offers, so the order we offer decides nothing; what we leave out does. Stock OpenSSH asks for
 * chacha20-poly1305 first, which MINA implements in plain Java at about two thirds of AES-GCM/CTR's speed here (the
 * JVM runs AES and GHASH on AES-NI/CLMUL intrinsics): the default leaves it out, and every SSH client that matters
 * speaks aes-ctr (RFC 4344). BENCHMARKS.md has the figures.
 */
final class SshCiphers {

    private SshCiphers() {
    }

    /**
     * True when the list is the default one, which {@link ClientCiphers} narrows per client; a list the operator
     * chose is offered to everyone exactly as given.
     */
    static boolean choosePerClient(String list) {
        return ServerConfig.DEFAULT_SSH_CIPHERS.equals(list);
    }

    /**
     * @param list comma-separated cipher names, as in OpenSSH's {@code Ciphers}
     * @throws ConfigException naming the flag when a name is unknown, unsupported by this JVM, or "none"
     */
    static List<NamedFactory<Cipher>> parse(String list) {
        // names may come with spaces after the commas, as people write lists in YAML
        BuiltinCiphers.ParseResult parsed = BuiltinCiphers.parseCiphersList(
                Arrays.stream(list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList());
        if (!parsed.getUnsupportedFactories().isEmpty()) {
            throw new ConfigException("--ssh-ciphers: unknown or unsupported cipher '"
                    + parsed.getUnsupportedFactories().get(0) + "'; supported: " + supported());
        }
        List<NamedFactory<Cipher>> factories = parsed.getParsedFactories().stream()
                .<NamedFactory<Cipher>>map(f -> f)
                .toList();
        if (factories.isEmpty()) {
            throw new ConfigException("--ssh-ciphers: no cipher given; supported: " + supported());
        }
        if (factories.stream().anyMatch(f -> BuiltinCiphers.none.getName().equals(f.getName()))) {
            throw new ConfigException("--ssh-ciphers: 'none' would send tunnel traffic unencrypted; not allowed");
        }
        return factories;
    }

    private static String supported() {
        return String.join(",", BuiltinCiphers.VALUES.stream()
                .filter(c -> c.isSupported() && c != BuiltinCiphers.none)
                .map(BuiltinCiphers::getName)
                .toList());
    }
}
