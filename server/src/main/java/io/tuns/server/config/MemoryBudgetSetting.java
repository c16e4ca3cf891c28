package io.tuns.server.config;

import java.util.Locale;

/**
 * {@code --memory-budget}: {@code auto} (derived from the heap at start, the default), {@code off} (no governor:
 * only the per-flag bounds hold) or a size such as {@code 64MiB}.
 */
public record MemoryBudgetSetting(Mode mode, long bytes) {

    public enum Mode { AUTO, OFF, FIXED }

    /** Below this the server could not hold one channel's window and queue; a typo more likely than a wish. */
    static final long MIN_BYTES = 4L << 20;

    /** @throws IllegalArgumentException with the part of the sentence after the flag's name */
    public static MemoryBudgetSetting parse(String text) {
        String v = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("auto")) {
            return new MemoryBudgetSetting(Mode.AUTO, 0);
        }
        if (v.equals("off")) {
            return new MemoryBudgetSetting(Mode.OFF, 0);
        }
        long bytes;
        try {
            bytes = Sizes.parse(v);
        } catch (IllegalArgumentException e) {
            bytes = -1;
        }
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("'" + text + "' is not auto, off or a size of at least 4MiB"
                    + " (examples: auto, off, 64MiB, 1GiB)");
        }
        return new MemoryBudgetSetting(Mode.FIXED, bytes);
    }
}
