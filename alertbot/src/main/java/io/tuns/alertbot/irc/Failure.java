package io.tuns.alertbot.irc;

import java.time.Instant;
import java.util.Locale;

/**
 * One classified failure of the link. {@code permanent} failures (credentials rejected, certificate invalid) do not
 * heal by retrying: they alert at once and reconnect at the slowest backoff. {@code lastGood} is the last moment the
 * link was known to work (the last line the bouncer sent), or null when this attempt never got that far: a hung
 * bouncer is noticed a read deadline after it stopped, and the incident is counted from when it stopped.
 */
public record Failure(FailureReason reason, String detail, boolean permanent, Instant lastGood) {
    public Failure(FailureReason reason, String detail, boolean permanent) {
        this(reason, detail, permanent, null);
    }

    public Failure withLastGood(Instant t) {
        return new Failure(reason, detail, permanent, t);
    }

    /**
     * "reason: detail", without saying the same thing twice when the library's message starts with our own words
     * ("connection refused: Connection refused: /127.0.0.1:6697" becomes "connection refused: /127.0.0.1:6697").
     */
    public String summary() {
        String d = detail.strip();
        String words = reason.description();
        if (d.toLowerCase(Locale.ROOT).startsWith(words.toLowerCase(Locale.ROOT))) {
            d = d.substring(words.length()).replaceFirst("^[\\s:,-]+", "");
        }
        return d.isEmpty() ? words : words + ": " + d;
    }
}
