package io.tuns.server.tunnel;

/** What the {@link RouteStore} made of one claim; {@code previous} is the holder it replaced or met, else null. */
public record RouteClaim(Outcome outcome, RouteHolder previous) {

    public enum Outcome {
        /** The route was free, or its holder's node lease had lapsed: it is now the claimant's. */
        CLAIMED,
        /** The claimant already held it (a re-assert); nothing changed. */
        HELD,
        /** The same owner (key) held it on another node, whose lease is live: moved to the claimant at once. */
        TAKEN_OVER,
        /** Held by another owner on a live node (or, without take-over, by anyone else live): refused. */
        TAKEN,
        /** The claimant's own node lease has lapsed: it may claim nothing until it joins again. */
        FENCED
    }

    public static RouteClaim of(Outcome outcome) {
        return new RouteClaim(outcome, null);
    }

    /** The claimant holds the route now. */
    public boolean holds() {
        return outcome == Outcome.CLAIMED || outcome == Outcome.HELD || outcome == Outcome.TAKEN_OVER;
    }
}
