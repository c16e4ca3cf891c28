package io.tuns.alertbot.state;

import java.time.Instant;

/**
 * The dead-man's switch's persisted view: last Watchdog alert seen (or the first start, before any), whether one
 * ever arrived, and the open "silent" incident, if any.
 */
public record HeartbeatState(Instant lastSeen, boolean silent, String threadId, boolean everSeen) {}
