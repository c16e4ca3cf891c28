package io.tuns.server.memory;

import java.util.Locale;

/** Byte counts as people read them in logs and refusals: 512 B, 64.0 KiB, 1.5 MiB, 2.0 GiB. */
final class Sizes {

    private Sizes() {
    }

    static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
