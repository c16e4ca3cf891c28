package io.tuns.alertbot.alerts;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the relay e-mailed because IRC was down: for one summary line in the channel when IRC is back, and so a
 * RESOLVED that reaches IRC can say its FIRING went by e-mail (else the channel shows a RESOLVED out of nowhere).
 * Bounded: at most {@link #MAX_FIRING_KEPT} alerts remembered (oldest forgotten), {@link #MAX_NAMES} names listed.
 */
public final class MailedWhileDown {
    static final int MAX_FIRING_KEPT = 1000;
    static final int MAX_NAMES = 8;
    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final LinkedHashSet<String> firingMailed = new LinkedHashSet<>();
    private final LinkedHashSet<String> names = new LinkedHashSet<>();
    private Instant since;
    private int firing;
    private int resolved;

    /** An alert's identity in Alertmanager is its label set. */
    static String key(Alert a) {
        return new TreeMap<>(a.labels()).toString();
    }

    public synchronized void mailed(boolean isFiring, List<Alert> alerts, Instant at) {
        if (since == null) {
            since = at;
        }
        for (Alert a : alerts) {
            if (isFiring) {
                firing++;
                firingMailed.add(key(a));
                if (firingMailed.size() > MAX_FIRING_KEPT) {
                    Iterator<String> oldest = firingMailed.iterator();
                    oldest.next();
                    oldest.remove();
                }
            } else {
                resolved++;
            }
            if (names.size() < MAX_NAMES + 1) {
                names.add(a.name());
            }
        }
    }

    /** True (once) for an alert whose FIRING went by e-mail. */
    public synchronized boolean firingWasMailed(Alert a) {
        return firingMailed.remove(key(a));
    }

    /** The one line for the channel when IRC is back, if anything was mailed; resets the counts. */
    public synchronized Optional<String> takeSummary() {
        if (since == null) {
            return Optional.empty();
        }
        int n = firing + resolved;
        List<String> shown = names.stream().limit(MAX_NAMES).toList();
        String line = "While IRC was down (since " + HHMM.format(since) + ") " + n + " alert"
                + (n == 1 ? "" : "s") + " went by e-mail only (" + firing + " firing, " + resolved + " resolved): "
                + String.join(", ", shown) + (names.size() > MAX_NAMES ? ", …" : "");
        since = null;
        firing = 0;
        resolved = 0;
        names.clear();
        return Optional.of(line);
    }
}
