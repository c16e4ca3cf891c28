package io.tuns.server.cluster;

/**
 * Where a feed reader stands: the last entry it applied (stream id and running number). Entries come in order with
 * numbers one apart; a number that is not the next one means entries were lost to the length trim (the reader fell
 * behind) or with the store's data (Redis restarted empty and counts from 1 again): the reader must re-check
 * everything it relies on. Not thread-safe: one reader owns it.
 */
final class FeedCursor {

    /** What to do with an entry numbered {@code seq}. */
    enum Step {
        /** The next one: apply it. */
        APPLY,
        /** Entries before it were lost: re-check everything, then apply it. */
        GAP_THEN_APPLY
    }

    private String lastId;
    private long lastSeq;

    /** @param lastSeq the number of the entry at {@code lastId}; 0 with {@code "0-0"} for an empty feed */
    FeedCursor(String lastId, long lastSeq) {
        this.lastId = lastId;
        this.lastSeq = lastSeq;
    }

    /** Decides about the entry {@code seq} (read after {@link #lastId()}) and moves past it. */
    Step next(String id, long seq) {
        Step step = seq == lastSeq + 1 ? Step.APPLY : Step.GAP_THEN_APPLY;
        lastId = id;
        lastSeq = seq;
        return step;
    }

    /** An entry that could not be read: moved past; the next one then looks like a gap (a safe re-check). */
    void skip(String id) {
        lastId = id;
    }

    String lastId() {
        return lastId;
    }

    long lastSeq() {
        return lastSeq;
    }
}
