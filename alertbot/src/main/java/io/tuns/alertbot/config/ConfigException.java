package io.tuns.alertbot.config;

/** A configuration problem, as one line that names the key: {@code irc.port: must be 1-65535, got 0}. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
    }
}
