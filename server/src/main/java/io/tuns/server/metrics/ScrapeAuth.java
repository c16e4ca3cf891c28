package io.tuns.server.metrics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may scrape: anyone when no admin token is set, otherwise whoever presents it as sish's
 * {@code x-authorization} (header or query) or as {@code Authorization: Bearer} (what Prometheus 2.42 can send).
 * Compared in constant time.
 */
public final class ScrapeAuth {

    private final byte[] token;

    public ScrapeAuth(String adminToken) {
        this.token = adminToken == null ? new byte[0] : adminToken.getBytes(StandardCharsets.UTF_8);
    }

    public boolean open() {
        return token.length == 0;
    }

    /** Any argument may be null. */
    public boolean allows(String xAuthorization, String queryToken, String authorizationHeader) {
        if (open()) {
            return true;
        }
        String given = xAuthorization != null ? xAuthorization : queryToken;
        if (given == null && authorizationHeader != null && authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = authorizationHeader.substring(7).trim();
        }
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
    }
}
