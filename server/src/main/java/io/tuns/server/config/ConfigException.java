package io.tuns.server.config;

/** A configuration error; its message is one line naming the flag, printed as is to the operator. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
