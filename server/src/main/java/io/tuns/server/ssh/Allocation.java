package io.tuns.server.ssh;

import io.tuns.server.tunnel.Tunnel;
import java.util.List;

/**
 * What an allocator decided for one forward: a registered tunnel with the reply port (-1 = echo the request), the
 * lines that announce it and what to release with it (a listener share); or a refusal sentence for the user.
 *
 * @param kind   the metric label ("http", "tcp", "alias", "sni")
 * @param detail tuns' own reason for a refusal, a line after sish's refusal line (null: none)
 */
record Allocation(String kind, Tunnel tunnel, int replyPort, List<String> banner, Runnable release, String refusal,
                  String detail) {

    static final Runnable NOTHING = () -> { };

    static Allocation granted(String kind, Tunnel tunnel, int replyPort, List<String> banner, Runnable release) {
        return new Allocation(kind, tunnel, replyPort, List.copyOf(banner), release, null, null);
    }

    static Allocation refused(String kind, String why) {
        return refused(kind, why, null);
    }

    /** @param sishLine the line sish writes when it refuses; @param detail tuns' reason, written after it */
    static Allocation refused(String kind, String sishLine, String detail) {
        return new Allocation(kind, null, -1, List.of(), NOTHING, sishLine, detail);
    }

    boolean isGranted() {
        return tunnel != null;
    }
}
