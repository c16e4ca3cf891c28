package io.tuns.server.ssh;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which ciphers to offer one client, for one direction. An SSH client takes the first cipher of ITS list that the
 * server offers (RFC 4253 §7.1), so the order of our list decides nothing: stock OpenSSH lists aes-ctr before
 * aes-gcm and takes aes128-ctr from the full list, though AES-GCM costs less CPU per byte here (BENCHMARKS.md).
 * Offering only our most preferred cipher that the client listed makes the configured order the one that counts,
 * and can never offer a client nothing it speaks. Pure: the session decides when; this decides what.
 */
final class CipherChoice {

    private CipherChoice() {
    }

    /**
     * @param configured    the server's list, most preferred first (comma-separated, as {@code --ssh-ciphers})
     * @param clientCiphers the client's list for this direction from its KEXINIT; null or blank when not known
     * @return the first configured cipher the client lists; the configured list when the client's is unknown or
     *         shares none (then negotiation fails as it would have, naming our offer)
     */
    static String offer(String configured, String clientCiphers) {
        List<String> ours = names(configured);
        Set<String> theirs = clientCiphers == null ? Set.of() : names(clientCiphers).stream().collect(Collectors.toSet());
        return ours.stream().filter(theirs::contains).findFirst().orElse(String.join(",", ours));
    }

    private static List<String> names(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }
}
