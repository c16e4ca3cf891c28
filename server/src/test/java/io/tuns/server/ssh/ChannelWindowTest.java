package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.memory.MemoryBudget.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The window a busy channel keeps granted follows the budget's level, and every exit path leaves the budget with
 * exactly what the other holders hold. A budget of 100 MiB; other traffic (queued writes) sets the level; the
 * channel was opened with 1 MiB reserved, as ForwardChannels does.
 */
class ChannelWindowTest {

    private static final long MIB = 1L << 20;
    private static final long KIB = 1024;

    private final MemoryBudget memory = MemoryBudget.of(100 * MIB);
    private final AtomicLong returned = new AtomicLong();
    private final List<ChannelWindow> withholdingSeen = new ArrayList<>();
    private final ChannelWindow window = open();

    private ChannelWindow open() {
        memory.tryReserve(Kind.SSH_WINDOW, MIB);
        ChannelWindow w = new ChannelWindow(memory, MIB, withholdingSeen::add);
        w.attach(returned::addAndGet);
        return w;
    }

    private void level(long otherMib) {
        long now = memory.inUse(Kind.QUEUED_WRITES);
        if (otherMib * MIB > now) {
            memory.reserve(Kind.QUEUED_WRITES, otherMib * MIB - now);
        } else {
            memory.release(Kind.QUEUED_WRITES, now - otherMib * MIB);
        }
    }

    @Test
    void belowThePressureMarkEveryWrittenByteGoesBack() {
        level(10);
        window.written(256 * KIB);
        assertThat(returned).hasValue(256 * KIB);
        assertThat(window.withheld()).isZero();
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(MIB);
        assertThat(withholdingSeen).isEmpty();
    }

    @Test
    void underPressureTheWindowShrinksAndLeavesTheBudget() {
        level(74); // with the channel's 1 MiB: 75 MiB, half way from 60 % to 90 %: the channel keeps 544 KiB
        window.written(MIB);
        assertThat(window.withheld()).isEqualTo(MIB - 544 * KIB);
        assertThat(returned).hasValue(544 * KIB);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).as("withheld window is not held memory").isEqualTo(544 * KIB);
        assertThat(window.reserved()).isEqualTo(544 * KIB);
        assertThat(withholdingSeen).containsExactly(window);
    }

    @Test
    void aFullBudgetPausesTheChannelAndARegrantResumesItOnceUseFalls() {
        level(100);
        window.written(300 * KIB);
        assertThat(returned).as("paused: nothing goes back").hasValue(0);
        assertThat(window.withheld()).isEqualTo(300 * KIB);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(MIB - 300 * KIB);
        assertThat(window.regrant()).as("still full").isTrue();
        assertThat(returned).hasValue(0);

        level(10);
        assertThat(window.regrant()).as("nothing withheld any more").isFalse();
        assertThat(returned).hasValue(300 * KIB);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).as("reserved again").isEqualTo(MIB);
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void aPausedChannelResumesPastTheNewChannelCeilingButNotPastTheBudget() {
        level(100);
        window.written(MIB);
        memory.release(Kind.QUEUED_WRITES, 32 * KIB); // 32 KiB under the budget: the 64 KiB floor does not fit
        assertThat(window.regrant()).isTrue();
        assertThat(returned).hasValue(0);
        assertThat(memory.refusals(Kind.SSH_WINDOW)).isEqualTo(1);
        level(95); // past the new-channel ceiling (90 %): new channels are refused, a running transfer goes on
        assertThat(memory.tryReserve(Kind.SSH_WINDOW, 64 * KIB)).as("a new channel").isFalse();
        assertThat(window.regrant()).isTrue();
        assertThat(returned).as("the floor").hasValue(64 * KIB);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(64 * KIB);
        level(89); // under the ceiling: on the line from 60 % to 90 %, above the floor
        assertThat(window.regrant()).isTrue();
        assertThat(returned.get()).isBetween(64 * KIB + 1, 128 * KIB);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(returned.get());
    }

    @Test
    void closingWhilePausedGivesBackWhatTheChannelStillHolds() {
        level(100);
        window.written(400 * KIB);
        window.close();
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isZero();
        assertThat(window.reserved()).isZero();
        level(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void writesAndRegrantsAfterCloseChangeNothing() {
        window.close();
        window.written(128 * KIB); // a sink finishing its last write after the channel closed
        assertThat(window.regrant()).isFalse();
        assertThat(returned).hasValue(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void closingTwiceGivesBackOnce() {
        memory.tryReserve(Kind.SSH_WINDOW, MIB); // another channel's window, which must stay counted
        window.close();
        window.close();
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(MIB);
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void closingUnderPressureAfterPartialReturnsBalances() {
        level(74);
        window.written(MIB);
        level(20);
        window.written(0);
        window.written(100 * KIB); // the level fell: everything withheld goes back with these bytes
        assertThat(window.withheld()).isZero();
        assertThat(returned).hasValue(MIB + 100 * KIB);
        window.close();
        level(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    /**
     * Issue #18's hostile bench: with the budget past its ceiling, a channel that keeps moving used to take its
     * written bytes straight back while a paused one waited for room that never came (over a minute behind 100
     * others, and nginx's send_timeout cut the download). Now a moving channel hands its turn to whoever waits:
     * the window of its written bytes, still reserved, goes to the first in line, so nothing grows.
     */
    @Test
    void aMovingChannelHandsItsWrittenWindowToThePausedOne() {
        AtomicLong busyReturned = new AtomicLong();
        ChannelWindow busy = open();
        busy.attach(busyReturned::addAndGet);
        level(100);
        window.written(MIB); // paused: all of its window withheld
        assertThat(memory.windowWaiters().size()).isEqualTo(1);
        level(89); // 90 MiB with the busy channel's window: at the ceiling, where nothing may be reserved
        busy.written(64 * KIB);
        assertThat(busyReturned).as("someone waits before it: not its turn").hasValue(0);
        assertThat(returned).as("the paused channel's turn: the floor").hasValue(64 * KIB);
        assertThat(memory.windowWaiters().size()).isZero();
        assertThat(memory.inUse(Kind.SSH_WINDOW)).as("handed over, not grown").isEqualTo(MIB);
        assertThat(window.reserved() + busy.reserved()).isEqualTo(MIB);

        busy.written(MIB - 64 * KIB); // nobody waits now: the busy one keeps its floor and gives back the rest
        assertThat(busyReturned).hasValue(64 * KIB);
        window.close();
        busy.close();
        level(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    /**
     * MINA sends a WINDOW_ADJUST only once more than 16 KiB has gathered: a channel left holding 10 KiB by our
     * books may hold nothing at the client. It waits in line like a paused one, and its turn returns enough to
     * pass MINA's threshold.
     */
    @Test
    void aChannelHoldingLessThanAPacketWaitsInLineAndItsTurnGivesItAtLeastThat() {
        level(100);
        window.written(MIB - 10 * KIB); // the client still holds 10 KiB of window, by our books
        assertThat(window.reserved()).isEqualTo(10 * KIB);
        assertThat(memory.windowWaiters().size()).as("as good as paused").isEqualTo(1);
        level(95);
        assertThat(memory.windowWaiters().resumeInOrder()).isEqualTo(1);
        assertThat(returned.get()).as("enough for MINA to pass it on").isGreaterThan(16 * KIB);
        assertThat(window.reserved()).isEqualTo(64 * KIB);
        assertThat(memory.windowWaiters().size()).isZero();
    }

    @Test
    void withTheBudgetFullTheHandedWindowLeavesTheBudgetInstead() {
        ChannelWindow busy = open();
        level(100);
        window.written(MIB);
        busy.written(64 * KIB); // the level lets nobody hold window: it shrinks
        assertThat(returned).hasValue(0);
        assertThat(memory.inUse(Kind.SSH_WINDOW)).isEqualTo(MIB - 64 * KIB);
        assertThat(memory.windowWaiters().size()).isEqualTo(1);
        window.close();
        busy.close();
        level(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.windowWaiters().size()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void theLineIsServedInOrderAndTheFirstStillPausedHoldsTheRest() {
        ChannelWindow second = open();
        ChannelWindow third = open();
        AtomicLong secondBack = new AtomicLong();
        AtomicLong thirdBack = new AtomicLong();
        second.attach(secondBack::addAndGet);
        third.attach(thirdBack::addAndGet);
        level(100);
        window.written(MIB);
        second.written(MIB);
        third.written(MIB);
        memory.release(Kind.QUEUED_WRITES, 100 * KIB); // 100 KiB under the budget: room for one floor only
        assertThat(memory.windowWaiters().resumeInOrder()).isEqualTo(1);
        assertThat(returned.get()).as("the floor").isEqualTo(MemoryBudget.MIN_WINDOW_BYTES);
        assertThat(secondBack).hasValue(0);
        assertThat(third.regrant()).as("the third may not overtake the second").isTrue();
        assertThat(thirdBack).hasValue(0);
        second.close(); // gone while waiting: it must not hold the line
        level(50);
        assertThat(memory.windowWaiters().resumeInOrder()).isEqualTo(1);
        assertThat(thirdBack.get()).isPositive();
        window.close();
        third.close();
        level(0);
        assertThat(memory.inUse()).isZero();
        assertThat(memory.windowWaiters().size()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    @Test
    void anOffBudgetNeverWithholds() {
        MemoryBudget off = MemoryBudget.off();
        AtomicLong back = new AtomicLong();
        off.tryReserve(Kind.SSH_WINDOW, MIB);
        off.reserve(Kind.QUEUED_WRITES, 1L << 40);
        ChannelWindow w = new ChannelWindow(off, MIB, x -> { });
        w.attach(back::addAndGet);
        w.written(MIB);
        assertThat(back).hasValue(MIB);
        w.close();
        assertThat(off.inUse(Kind.SSH_WINDOW)).isZero();
    }
}
