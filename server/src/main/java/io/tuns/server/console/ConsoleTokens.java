package io.tuns.server.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** Console tokens: crypto-random, compared in constant time. */
public final class ConsoleTokens {

    /** 32 characters of a 62-letter alphabet: about 190 bits. */
    static final int TOKEN_CHARS = 32;
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final SecureRandom random;

    public ConsoleTokens() {
        this(new SecureRandom());
    }

    ConsoleTokens(SecureRandom random) {
        this.random = random;
    }

    /** A fresh token for one tunnel's service console (URL-safe, no padding). */
    public String newToken() {
        char[] out = new char[TOKEN_CHARS];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }

    /**
     * Constant-time comparison. Both sides are hashed first so neither the content nor the length of the expected
     * token leaks through timing; an empty expected token never matches.
     */
    public static boolean matches(String presented, String expected) {
        if (presented == null || expected == null || expected.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), sha256(expected));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JRE", e);
        }
    }

    /** The service-console link printed in the ssh session, as sish prints it. */
    public static String serviceConsoleUrl(String publicUrl, String token) {
        String base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        return base + "/_sish/console?x-authorization=" + token;
    }
}
