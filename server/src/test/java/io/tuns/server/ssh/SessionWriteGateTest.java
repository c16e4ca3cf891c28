package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The per-connection bound on data handed to MINA: the rule, the line's order, and every way out of it. */
class SessionWriteGateTest {

    private static final int K32 = 32 * 1024;

    @ParameterizedTest(name = "handed {0} + want {1}, limit {2}, line empty {3} -> {4}")
    @CsvSource({
            "0,       32768, 65536, true,  true",  // nothing handed: goes
            "0,       99999, 65536, true,  true",  // larger than the bound, nothing handed: still goes
            "32768,   32768, 65536, true,  true",  // fits exactly
            "32769,   32768, 65536, true,  false", // one byte over
            "0,       32768, 65536, false, false", // someone waits: newcomers queue behind, even with room
            "65536,   1,     65536, true,  false",
    })
    void mayTake(long handed, long want, long limit, boolean lineEmpty, boolean expected) {
        assertThat(SessionWriteGate.mayTake(handed, want, limit, lineEmpty)).isEqualTo(expected);
    }

    @Test
    void takesUpToTheBoundThenWaitsAndIsWokenWithItsRoomReserved() {
        SessionWriteGate gate = new SessionWriteGate(2L * K32);
        List<String> woken = new ArrayList<>();
        SessionWriteGate.Holder a = gate.holder(() -> woken.add("a"));
        SessionWriteGate.Holder b = gate.holder(() -> woken.add("b"));
        assertThat(gate.take(a, K32)).isEqualTo(K32);
        assertThat(gate.take(a, K32)).isEqualTo(K32);
        assertThat(gate.take(b, K32)).isZero();
        assertThat(gate.waiting()).isEqualTo(1);

        gate.released(a, K32).forEach(Runnable::run);
        assertThat(woken).containsExactly("b");
        assertThat(gate.waiting()).isZero();
        assertThat(gate.handedBytes()).isEqualTo(2L * K32); // b's room is reserved: a newcomer cannot take it
        SessionWriteGate.Holder c = gate.holder(() -> woken.add("c"));
        assertThat(gate.take(c, K32)).isZero();
        assertThat(gate.take(b, K32)).isEqualTo(K32); // b uses what it was granted
        assertThat(gate.heldBy(b)).isEqualTo(K32);

        gate.released(a, K32).forEach(Runnable::run);
        gate.released(b, K32).forEach(Runnable::run);
        assertThat(woken).containsExactly("b", "c");
        assertThat(gate.take(c, K32)).isEqualTo(K32);
        gate.released(c, K32);
        assertThat(gate.handedBytes()).isZero();
        assertThat(gate.peakHandedBytes()).isEqualTo(2L * K32);
    }

    @Test
    void theLineIsServedOldestFirst() {
        SessionWriteGate gate = new SessionWriteGate(K32);
        List<String> woken = new ArrayList<>();
        SessionWriteGate.Holder first = gate.holder(() -> woken.add("first"));
        SessionWriteGate.Holder second = gate.holder(() -> woken.add("second"));
        SessionWriteGate.Holder third = gate.holder(() -> woken.add("third"));
        assertThat(gate.take(first, K32)).isEqualTo(K32);
        assertThat(gate.take(second, K32)).isZero();
        assertThat(gate.take(third, K32)).isZero();
        assertThat(gate.take(second, K32)).isZero(); // asking again keeps its place, no second entry
        assertThat(gate.waiting()).isEqualTo(2);

        gate.released(first, K32).forEach(Runnable::run);
        assertThat(woken).containsExactly("second");
        gate.take(second, K32);
        gate.released(second, K32).forEach(Runnable::run);
        assertThat(woken).containsExactly("second", "third");
    }

    @Test
    void aChannelClosedWhileInLineLeavesItAndHoldsNothing() {
        SessionWriteGate gate = new SessionWriteGate(K32);
        List<String> woken = new ArrayList<>();
        SessionWriteGate.Holder a = gate.holder(() -> woken.add("a"));
        SessionWriteGate.Holder b = gate.holder(() -> woken.add("b"));
        SessionWriteGate.Holder c = gate.holder(() -> woken.add("c"));
        gate.take(a, K32);
        gate.take(b, K32);
        gate.take(c, K32);
        gate.leave(b).forEach(Runnable::run);
        assertThat(gate.waiting()).isEqualTo(1);
        assertThat(gate.heldBy(b)).isZero();

        gate.released(a, K32).forEach(Runnable::run);
        assertThat(woken).containsExactly("c"); // b left: never woken
        assertThat(gate.take(b, K32)).isZero(); // a closed channel takes nothing
        gate.leave(c).forEach(Runnable::run);   // closed with its granted room unused: given back
        gate.leave(a);
        assertThat(gate.handedBytes()).isZero();
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void aChannelClosedWithPacketsInFlightGivesThemBackOnceAndTheLineMovesOn() {
        SessionWriteGate gate = new SessionWriteGate(K32);
        List<String> woken = new ArrayList<>();
        SessionWriteGate.Holder a = gate.holder(() -> woken.add("a"));
        SessionWriteGate.Holder b = gate.holder(() -> woken.add("b"));
        gate.take(a, K32);
        gate.take(b, K32);
        gate.leave(a).forEach(Runnable::run);
        assertThat(woken).containsExactly("b");
        gate.released(a, K32); // its packet's completion after the close: already given back
        assertThat(gate.handedBytes()).isEqualTo(K32); // only b's grant
        gate.leave(a);
        gate.leave(b);
        assertThat(gate.handedBytes()).isZero();
    }

    @Test
    void theConnectionClosingReleasesEverythingAndWakesNobody() {
        SessionWriteGate gate = new SessionWriteGate(K32);
        List<String> woken = new ArrayList<>();
        SessionWriteGate.Holder a = gate.holder(() -> woken.add("a"));
        SessionWriteGate.Holder b = gate.holder(() -> woken.add("b"));
        gate.take(a, K32);
        gate.take(b, K32);
        gate.close();
        assertThat(gate.handedBytes()).isZero();
        assertThat(gate.waiting()).isZero();
        assertThat(gate.released(a, K32)).isEmpty();
        assertThat(gate.leave(b)).isEmpty();
        assertThat(woken).isEmpty();
        assertThat(gate.handedBytes()).isZero();
    }

    @Test
    void aPartlyUsedGrantIsUsedByTheNextPacketsFirst() {
        SessionWriteGate gate = new SessionWriteGate(K32);
        SessionWriteGate.Holder a = gate.holder(() -> { });
        SessionWriteGate.Holder b = gate.holder(() -> { });
        gate.take(a, K32);
        gate.take(b, K32);
        gate.released(a, K32);
        assertThat(gate.take(b, 1000)).isEqualTo(1000);
        assertThat(gate.take(b, K32)).isEqualTo(K32 - 1000); // the rest of its grant, not a new turn
        assertThat(gate.heldBy(b)).isEqualTo(K32);
        gate.released(b, K32);
        assertThat(gate.handedBytes()).isZero();
    }

    @Test
    void unboundedCountsButNeverWaits() {
        SessionWriteGate gate = new SessionWriteGate(0);
        SessionWriteGate.Holder a = gate.holder(() -> { });
        for (int i = 0; i < 1000; i++) {
            assertThat(gate.take(a, K32)).isEqualTo(K32);
        }
        assertThat(gate.handedBytes()).isEqualTo(1000L * K32);
        gate.released(a, 1000L * K32);
        assertThat(gate.handedBytes()).isZero();
    }
}
