package io.tuns.alertbot.state;

import java.time.Instant;

/** The watchdog's persisted view of the link; null instants mean "not yet". */
public record IncidentState(String status, Instant since, int attempts, String lastReason, String lastDetail,
                            Instant lastSuccess, String threadId, Instant downAt, Instant lastNoticeAt,
                            int reminders) {
    public static IncidentState initial() {
        return new IncidentState("STARTING", null, 0, null, null, null, null, null, null, 0);
    }
}
