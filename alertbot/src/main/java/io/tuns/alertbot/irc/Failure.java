package io.tuns.alertbot.irc;

/**
 * One classified failure of the link. {@code permanent} failures (credentials rejected, certificate invalid) do not
 * heal by retrying: they alert at once and reconnect at the slowest backoff.
 */
public record Failure(FailureReason reason, String detail, boolean permanent) {
    public String summary() {
        return detail.isEmpty() ? reason.description() : reason.description() + ": " + detail;
    }
}
