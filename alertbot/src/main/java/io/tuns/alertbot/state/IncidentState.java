package io.tuns.alertbot.state;

import java.time.Instant;

/**
 * The watchdog's persisted view of the link; null instants mean "not yet". {@code since} is the last moment the link
 * was known good; {@code cause} the failure that opened the incident (later retries may fail differently).
 */
public record IncidentState(String status, Instant since, int attempts, String lastReason, String lastDetail,
                            Instant lastSuccess, String threadId, Instant downAt, Instant lastNoticeAt,
                            int reminders, String cause) {
    public static IncidentState initial() {
        return new IncidentState("STARTING", null, 0, null, null, null, null, null, null, 0, null);
    }
}
