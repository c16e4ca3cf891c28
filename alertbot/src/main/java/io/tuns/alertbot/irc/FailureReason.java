package io.tuns.alertbot.irc;

import java.util.Locale;

/** Why the link to the bouncer is not usable; the label value in metrics and mails. */
public enum FailureReason {
    DNS("DNS lookup failed"),
    CONNECTION_REFUSED("connection refused"),
    TIMEOUT("connect timeout"),
    TLS("TLS handshake failed"),
    AUTH_REJECTED("authentication rejected"),
    REGISTRATION_TIMEOUT("registration timeout"),
    PING_TIMEOUT("ping timeout"),
    SERVER_ERROR("server sent ERROR"),
    UPSTREAM_LOST("bouncer up but its upstream network lost"),
    JOIN_FAILED("channel join refused"),
    CONNECTION_LOST("connection lost");

    private final String description;

    FailureReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
