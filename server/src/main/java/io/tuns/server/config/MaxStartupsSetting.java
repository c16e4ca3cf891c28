package io.tuns.server.config;

/**
 * {@code --max-startups}, OpenSSH's MaxStartups: SSH connections not yet authenticated beyond {@code start} are
 * dropped with a chance of {@code rate} percent, rising linearly to 100 % at {@code full}. A single number N is
 * {@code N:100:N} (drop every one beyond N); {@code 0} turns the bound off.
 */
public record MaxStartupsSetting(int start, int rate, int full) {

    public static final MaxStartupsSetting OFF = new MaxStartupsSetting(0, 0, 0);

    public boolean off() {
        return full == 0;
    }

    /** @throws IllegalArgumentException with the part of the sentence after the flag's name */
    public static MaxStartupsSetting parse(String text) {
        String v = text == null ? "" : text.trim();
        String[] parts = v.split(":", -1);
        try {
            if (parts.length == 1) {
                int n = Integer.parseInt(parts[0]);
                if (n >= 0) {
                    return n == 0 ? OFF : new MaxStartupsSetting(n, 100, n);
                }
            } else if (parts.length == 3) {
                int start = Integer.parseInt(parts[0]);
                int rate = Integer.parseInt(parts[1]);
                int full = Integer.parseInt(parts[2]);
                if (start >= 1 && rate >= 1 && rate <= 100 && full >= start) {
                    return new MaxStartupsSetting(start, rate, full);
                }
            }
        } catch (NumberFormatException e) {
            // the sentence below says what is accepted
        }
        throw new IllegalArgumentException("'" + text + "' is not start:rate:full (1 <= start <= full, rate a "
                + "percentage 1-100), a single number or 0 for off (examples: 16:30:64, 32, 0)");
    }
}
