package io.tuns.server.http;

import io.tuns.server.tunnel.TunnelOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/** Checks an {@code Authorization: Basic} header against a tunnel's credentials, in constant time. */
final class BasicAuth {

    private BasicAuth() {
    }

    static boolean matches(String header, TunnelOptions opts) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = (opts.user() + ":" + opts.password()).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expected);
    }
}
