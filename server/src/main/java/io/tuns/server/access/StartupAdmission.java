package io.tuns.server.access;

import io.tuns.server.config.MaxStartupsSetting;

/**
 * Whether one more unauthenticated SSH connection may start its key exchange ({@code --max-startups}, OpenSSH's
 * random early drop): below {@code start} always; at {@code full} or above never; between them it is dropped with
 * a chance rising linearly from {@code rate} percent at {@code start} to 100 % at {@code full}. Pure: the random
 * draw is passed in.
 */
public final class StartupAdmission {

    private final MaxStartupsSetting s;

    public StartupAdmission(MaxStartupsSetting setting) {
        this.s = setting;
    }

    /**
     * @param inFlight connections already admitted and not yet authenticated or closed
     * @param draw a uniform random number in [0, 1)
     */
    public boolean admit(int inFlight, double draw) {
        if (s.off() || inFlight < s.start()) {
            return true;
        }
        if (inFlight >= s.full()) {
            return false;
        }
        // same formula as OpenSSH's drop_connection(): p = rate at start, rising to 100 at full
        double p = (s.rate() + (100.0 - s.rate()) * (inFlight - s.start()) / (s.full() - s.start())) / 100.0;
        return draw >= p;
    }
}
