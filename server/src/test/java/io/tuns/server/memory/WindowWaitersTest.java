package io.tuns.server.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The line of paused channels: oldest first, nobody overtakes the first still paused, hand-offs go in order. */
class WindowWaitersTest {

    private final WindowWaiters line = new WindowWaiters();
    private final List<String> calls = new ArrayList<>();

    /** A waiter that resumes when {@code room} allows and takes at most {@code wants} from a hand-off. */
    private final class Fake implements WindowWaiters.Waiter {
        final String name;
        boolean room;
        long wants;

        Fake(String name, boolean room, long wants) {
            this.name = name;
            this.room = room;
            this.wants = wants;
        }

        @Override
        public boolean resume() {
            calls.add("resume " + name);
            if (room) {
                line.remove(this);
            }
            return !room;
        }

        @Override
        public long take(long bytes) {
            long took = Math.min(bytes, wants);
            wants -= took;
            if (took > 0) {
                line.remove(this);
            }
            calls.add("take " + name + " " + took);
            return took;
        }
    }

    @Test
    void resumesOldestFirstAndStopsAtTheFirstStillPaused() {
        Fake a = new Fake("a", true, 0);
        Fake b = new Fake("b", false, 0);
        Fake c = new Fake("c", true, 0);
        line.add(a);
        line.add(b);
        line.add(c);
        line.add(a); // already in line: keeps its place
        assertThat(line.resumeInOrder()).isEqualTo(1);
        assertThat(calls).containsExactly("resume a", "resume b");
        assertThat(line.anyoneBefore(c)).as("b is first now").isTrue();
        assertThat(line.anyoneBefore(b)).isFalse();
        assertThat(line.size()).isEqualTo(2);
    }

    @Test
    void aHandOffGoesToTheFirstInLineAndReturnsWhatNobodyTook() {
        Fake a = new Fake("a", false, 40);
        Fake b = new Fake("b", false, 30);
        line.add(a);
        line.add(b);
        assertThat(line.handOff(50)).isZero();
        assertThat(calls).containsExactly("take a 40", "take b 10");
        assertThat(line.size()).isZero();
        assertThat(line.handOff(20)).as("nobody waits").isEqualTo(20);
    }

    @Test
    void aFirstThatCanHoldNothingStopsTheHandOff() {
        Fake a = new Fake("a", false, 0);
        Fake b = new Fake("b", false, 100);
        line.add(a);
        line.add(b);
        assertThat(line.handOff(64)).isEqualTo(64);
        assertThat(calls).containsExactly("take a 0");
        assertThat(line.size()).isEqualTo(2);
    }

    @Test
    void aFirstThatSaysItResumedButStaysFirstIsTakenOut() {
        WindowWaiters.Waiter closed = new WindowWaiters.Waiter() {
            @Override
            public boolean resume() {
                return false; // resumed, but never left the line itself
            }

            @Override
            public long take(long bytes) {
                return 0;
            }
        };
        line.add(closed);
        assertThat(line.resumeInOrder()).isEqualTo(1);
        assertThat(line.size()).isZero();
    }
}
