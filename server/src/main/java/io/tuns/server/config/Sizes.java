package io.tuns.server.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as written in flags: {@code 65536}, {@code 64KiB}, {@code 8MiB}, {@code 1GiB}. {@code KB/MB/GB} and
 * {@code K/M/G} mean the same binary units (operators type them interchangeably; nobody means 1000 here). A sign
 * is only allowed on a bare number, so {@code -1} (sish's "unlimited") parses and {@code -1KiB} does not.
 */
final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|K|KB|KIB|M|MB|MIB|G|GB|GIB)?");
    private static final Pattern SIGNED = Pattern.compile("-\\d+");

    private Sizes() {
    }

    /** @throws IllegalArgumentException if {@code text} is not a size */
    static long parse(String text) {
        String v = text.trim().toUpperCase(Locale.ROOT);
        if (SIGNED.matcher(v).matches()) {
            return Long.parseLong(v);
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        long multiplier = switch (unit.charAt(0)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }
}
