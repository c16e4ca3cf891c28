package io.tuns.server.config;

import java.util.Locale;

/** Byte sizes as written in flags: {@code 65536}, {@code 64KiB}, {@code 8MiB}, {@code 1GiB} (KB/MB/GB mean the same), {@code -1}. */
final class Sizes {

    private Sizes() {
    }

    static long parse(String s) {
        String v = s.trim().toUpperCase(Locale.ROOT).replace("IB", "B");
        long mult = 1;
        if (v.endsWith("KB") || v.endsWith("K")) {
            mult = 1024;
        } else if (v.endsWith("MB") || v.endsWith("M")) {
            mult = 1024 * 1024;
        } else if (v.endsWith("GB") || v.endsWith("G")) {
            mult = 1024L * 1024 * 1024;
        }
        String digits = v.replaceAll("[KMGB]+$", "");
        return Math.multiplyExact(Long.parseLong(digits), mult);
    }
}
