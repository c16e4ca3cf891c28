package io.tuns.server.inspect;

/**
 * The original value of a redacted request header, kept server-side only so a replay sends what the client sent.
 * {@code index} is its position in the redacted header list. Never rendered, exported or logged.
 */
public record SecretHeader(int index, String name, String value) {

    @Override
    public String toString() {
        return "SecretHeader[" + index + ", " + name + ", (value withheld)]";
    }
}
