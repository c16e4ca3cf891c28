package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The feed's pure parts: reading an entry, telling a gap, and when the node still looks every route up. */
class FeedDecisionsTest {

    static Stream<Arguments> entries() {
        Map<String, String> claim = Map.of("s", "7", "op", "claimed", "r", "http|a.localhost", "n", "b",
                "o", "SHA256:k", "a", "10.0.0.2:7400");
        Map<String, String> gone = Map.of("s", "8", "op", "gone", "r", "http|a.localhost", "n", "b",
                "o", "SHA256:k", "a", "");
        return Stream.of(
                Arguments.of("1700000000123-0", claim, Optional.of(new FeedEntry(7, 1700000000123L,
                        "http|a.localhost", true, new RouteHolder("b", "SHA256:k"), "10.0.0.2:7400"))),
                Arguments.of("1700000000124-3", gone, Optional.of(new FeedEntry(8, 1700000000124L,
                        "http|a.localhost", false, new RouteHolder("b", "SHA256:k"), ""))),
                Arguments.of("1-0", Map.of("s", "1", "op", "renamed", "r", "x", "n", "b", "o", "k"), Optional.empty()),
                Arguments.of("1-0", Map.of("s", "x", "op", "gone", "r", "x", "n", "b", "o", "k"), Optional.empty()),
                Arguments.of("1-0", Map.of("op", "gone", "r", "x", "n", "b", "o", "k"), Optional.empty()),
                Arguments.of("1-0", Map.of("s", "1", "op", "gone", "n", "b", "o", "k"), Optional.empty()),
                Arguments.of("nodash", Map.of("s", "1", "op", "gone", "r", "x", "n", "b", "o", "k"), Optional.empty()));
    }

    @ParameterizedTest
    @MethodSource("entries")
    void anEntryIsReadOrSkippedNeverFatal(String id, Map<String, String> body, Optional<FeedEntry> expected) {
        assertThat(FeedEntry.parse(id, body)).isEqualTo(expected);
    }

    @Test
    void aClaimedEntryLocatesTheRoute() {
        FeedEntry e = new FeedEntry(1, 1, "r", true, new RouteHolder("b", "k"), "10.0.0.2:7400");
        assertThat(e.location()).isEqualTo(new RouteLocation("r", new RouteHolder("b", "k"), "10.0.0.2:7400"));
    }

    static Stream<Arguments> steps() {
        return Stream.of(
                Arguments.of(0L, 1L, FeedCursor.Step.APPLY),           // an empty feed, then its first entry
                Arguments.of(41L, 42L, FeedCursor.Step.APPLY),
                Arguments.of(41L, 45L, FeedCursor.Step.GAP_THEN_APPLY),  // trimmed before read
                Arguments.of(0L, 2001L, FeedCursor.Step.GAP_THEN_APPLY), // started before the trimmed start
                Arguments.of(41L, 1L, FeedCursor.Step.GAP_THEN_APPLY),   // Redis restarted empty: counts again
                Arguments.of(41L, 41L, FeedCursor.Step.GAP_THEN_APPLY)); // never seen, but never trusted
    }

    @ParameterizedTest
    @MethodSource("steps")
    void aNumberNotTheNextOneIsAGap(long last, long seq, FeedCursor.Step expected) {
        FeedCursor c = new FeedCursor("5-0", last);
        assertThat(c.next("6-0", seq)).isEqualTo(expected);
        assertThat(c.lastId()).isEqualTo("6-0");
        assertThat(c.lastSeq()).isEqualTo(seq);
    }

    @Test
    void anUnreadableEntryIsSkippedAndTheNextLooksLikeAGap() {
        FeedCursor c = new FeedCursor("5-0", 3);
        c.skip("6-0");
        assertThat(c.lastId()).isEqualTo("6-0");
        assertThat(c.next("7-0", 5)).isEqualTo(FeedCursor.Step.GAP_THEN_APPLY);
    }

    static Stream<Arguments> verifies() {
        return Stream.of(
                Arguments.of(1, false, true),   // no feed: every beat
                Arguments.of(1, true, false),
                Arguments.of(9, true, false),
                Arguments.of(10, true, true),   // the slow safety net
                Arguments.of(11, true, true));
    }

    @ParameterizedTest
    @MethodSource("verifies")
    void theNodeLooksEveryRouteUpEveryTenthBeatOrEveryBeatWithoutAFeed(int beats, boolean feed, boolean due) {
        assertThat(ClusterNode.verifyDue(beats, feed)).isEqualTo(due);
    }
}
