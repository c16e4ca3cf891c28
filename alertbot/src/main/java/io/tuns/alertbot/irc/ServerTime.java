package io.tuns.alertbot.irc;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The IRCv3 {@code server-time} tag value ({@code 2026-12-02T17:50:00.123Z}); empty when absent or malformed. */
public final class ServerTime {
    private ServerTime() {}

    public static Optional<Instant> parse(String tagValue) {
        if (tagValue == null || tagValue.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(tagValue));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
