package io.tuns.server.config;

import java.time.Duration;
import java.util.Map;

/**
 * sish accepts {@code 0s} for its timers (viper parses it); tuns reads a zero as "this timer is off", by turning
 * off the switch it belongs to, instead of refusing to start. Timers without a switch of their own stay positive,
 * except {@code proxy-protocol-timeout}, whose zero already means "no timeout".
 */
final class ZeroMeansOff {

    /** Timer flag → the boolean flag it belongs to. */
    static final Map<String, String> SWITCHES = Map.of(
            "idle-connection-timeout", "idle-connection",
            "ping-client-interval", "ping-client",
            "cleanup-unauthed-timeout", "cleanup-unauthed",
            "cleanup-unbound-timeout", "cleanup-unbound");

    private ZeroMeansOff() {
    }

    /** @param values converted flag values by name; a zero timer sets its switch to false */
    static void apply(Map<String, Object> values) {
        SWITCHES.forEach((timer, toggle) -> {
            if (Duration.ZERO.equals(values.get(timer))) {
                values.put(toggle, false);
            }
        });
    }
}
