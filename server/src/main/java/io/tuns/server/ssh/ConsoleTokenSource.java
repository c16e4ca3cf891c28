package io.tuns.server.ssh;

/**
 * Where an HTTP tunnel's console token comes from: the wiring passes the console's token book, so ssh does not
 * depend on the console. The same name and key get the same token across reconnects.
 */
@FunctionalInterface
public interface ConsoleTokenSource {

    /** @param keyFingerprint the client's key, or null/empty for a password login (then a fresh token) */
    String tokenFor(String host, String keyFingerprint);
}
