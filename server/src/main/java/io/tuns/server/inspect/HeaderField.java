package io.tuns.server.inspect;

/** One captured header line, value already redacted if its name is on the redaction list. */
public record HeaderField(String name, String value) {

    /** What a redacted value is replaced with: the secret itself is never stored. */
    public static final String REDACTED = "[redacted]";

    public boolean redacted() {
        return REDACTED.equals(value);
    }
}
