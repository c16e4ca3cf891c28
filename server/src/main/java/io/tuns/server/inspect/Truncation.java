package io.tuns.server.inspect;

/** Why a captured body holds fewer bytes than were seen. */
public enum Truncation {
    /** Everything seen was kept. */
    NONE("", ""),
    /** The per-body limit (--service-console-max-content-length) was reached; the head is kept. */
    LIMIT("limit", "body larger than the per-body capture limit"),
    /** The global capture budget or the tunnel's history budget had no room; the head is kept. */
    BUDGET("budget", "capture budget exhausted"),
    /** Bodies were not being captured (no viewer attached, or the limit is 0). */
    OFF("", "body capture was off (--inspect-always=false and no console tab open, or a limit of 0)"),
    /** After a 101 the bytes are another protocol and are not captured. */
    UPGRADED("", "connection upgraded; frames are not captured"),
    /** The exchange was evicted from history while still open. */
    EVICTED("", "evicted from history");

    private final String metricReason;
    private final String description;

    Truncation(String metricReason, String description) {
        this.metricReason = metricReason;
        this.description = description;
    }

    /** The {@code reason} label for the truncation counter, or "" when this is not counted. */
    public String metricReason() {
        return metricReason;
    }

    public String description() {
        return description;
    }
}
