package io.tuns.alertbot.irc;

/** What the {@link IrcLink} reports; the watchdog and the metrics listen. Called from the link's threads. */
public interface LinkListener {
    void onAttempt();

    /** Registered with the bouncer and joined the channel. */
    void onUp();

    void onFailure(Failure failure);

    /** Reports to both, in order. */
    static LinkListener both(LinkListener a, LinkListener b) {
        return new LinkListener() {
            @Override
            public void onAttempt() {
                a.onAttempt();
                b.onAttempt();
            }

            @Override
            public void onUp() {
                a.onUp();
                b.onUp();
            }

            @Override
            public void onFailure(Failure failure) {
                a.onFailure(failure);
                b.onFailure(failure);
            }
        };
    }
}
