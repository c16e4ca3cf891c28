package io.tuns.server.console;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Service-console tokens that outlive one ssh connection: one per (tunnel name, client key fingerprint), so a
 * reconnect with the same key prints the same link and an open console tab stays authorised. A client without a key
 * (password login) gets a fresh token each time, as before. The admin can rotate a token, which revokes the old one.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES}, least recently issued or looked up dropped first (that client then simply
 * gets a new link on its next connection). One book per server: the wiring hands it to the ssh side (which makes
 * tokens) and to the console (which checks and rotates them).
 */
public final class ConsoleTokenBook {

    /** About 150 bytes an entry: the whole book stays under 2 MiB. */
    static final int MAX_ENTRIES = 10_000;

    private final ConsoleTokens tokens;
    private final int maxEntries;
    private final LinkedHashMap<String, String> byNameAndKey; // guarded by this

    ConsoleTokenBook(ConsoleTokens tokens, int maxEntries) {
        this.tokens = tokens;
        this.maxEntries = maxEntries;
        this.byNameAndKey = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > ConsoleTokenBook.this.maxEntries;
            }
        };
    }

    public ConsoleTokenBook() {
        this(new ConsoleTokens(), MAX_ENTRIES);
    }

    /** The stable token for this name and key, created on first use; a fresh one when there is no key. */
    public synchronized String tokenFor(String host, String keyFingerprint) {
        if (!hasKey(keyFingerprint)) {
            return tokens.newToken();
        }
        return byNameAndKey.computeIfAbsent(key(host, keyFingerprint), k -> tokens.newToken());
    }

    /** The token currently valid for this name and key, if the book has one. */
    public synchronized Optional<String> current(String host, String keyFingerprint) {
        if (!hasKey(keyFingerprint)) {
            return Optional.empty();
        }
        return Optional.ofNullable(byNameAndKey.get(key(host, keyFingerprint)));
    }

    /** Replaces the token for this name and key (the old one stops working); empty when there is no key. */
    public synchronized Optional<String> rotate(String host, String keyFingerprint) {
        if (!hasKey(keyFingerprint)) {
            return Optional.empty();
        }
        String fresh = tokens.newToken();
        byNameAndKey.put(key(host, keyFingerprint), fresh);
        return Optional.of(fresh);
    }

    synchronized int size() {
        return byNameAndKey.size();
    }

    private static boolean hasKey(String keyFingerprint) {
        return keyFingerprint != null && !keyFingerprint.isEmpty();
    }

    private static String key(String host, String keyFingerprint) {
        return host + '\n' + keyFingerprint; // neither may contain a newline
    }
}
