package io.tuns.alertbot.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** A secret value that never prints itself (toString is redacted), compared in constant time. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    public String reveal() {
        return value;
    }

    /** Constant-time comparison, for tokens presented over HTTP. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "***";
    }
}
