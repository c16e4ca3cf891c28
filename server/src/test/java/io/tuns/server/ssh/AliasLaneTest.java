package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tuns.server.memory.MemoryBudget;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every way an alias lane ends: the close behind the data, EOF as EOF, a failed write, a close that never drains
 * (cut after the stall), the target gone (drop). Each checks what was released: every write's window callback ran
 * exactly once, the stream is closed, the lane is done with nothing queued, and its end ran once.
 * <p>
 * The stream is a fake: a write that never completes, or fails on demand, is what a real ssh peer cannot be made to
 * do at a chosen moment. The real paths (OpenSSH at both ends, a slow reader each way) are in {@code AliasCloseIT}.
 */
class AliasLaneTest {

    /** Long enough that a loaded machine never cuts the tests that are not about the stall. */
    private static final Duration STALL = Duration.ofSeconds(10);

    private final ScheduledThreadPoolExecutor scheduler = scheduler();
    private final FakeStream stream = new FakeStream();
    private final Target target = new Target();
    private final AtomicInteger ended = new AtomicInteger();
    private final MemoryBudget budget = MemoryBudget.of(64L * 1024 * 1024);
    private AliasLane lane = new AliasLane("test", target, scheduler, STALL, ended::incrementAndGet, budget);

    private static ScheduledThreadPoolExecutor scheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1);
        s.setRemoveOnCancelPolicy(true); // so that a cancelled stall check leaves the queue, for the assertions
        return s;
    }
    private final List<AtomicInteger> releases = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        assertThat(budget.inUse()).as("bytes counted at the close are given back when the lane ends").isZero();
        assertThat(budget.accountingErrors()).isZero();
    }

    @Test
    void theCloseWaitsForTheQueuedBytesThenEofThenClosesGracefully() {
        stream.hold = true;
        lane.attach(stream);
        write("a");
        write("b");
        lane.eof();
        lane.close(); // right behind the last bytes, with one in flight and one queued
        assertThat(target.closes).isEmpty();
        assertThat(target.eofs.get()).isZero();

        stream.completeNext();
        assertThat(target.closes).isEmpty();
        stream.completeNext();

        assertThat(stream.text()).isEqualTo("ab");
        assertThat(target.eofs.get()).as("EOF passed on as EOF, after the bytes").isOne();
        assertThat(target.closes).containsExactly(false);
        assertAllReleasedOnce();
        assertEnded();
        assertThat(stream.isClosed()).isTrue();
    }

    @Test
    void bytesWaitingAtTheCloseAreCountedUntilTheyAreOut() {
        stream.hold = true;
        lane.attach(stream);
        write("abc");
        write("de");
        lane.close();
        assertThat(budget.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isEqualTo(5);
        stream.completeNext();
        assertThat(budget.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("counted until the lane ends").isEqualTo(5);
        stream.completeNext();
        assertThat(budget.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isZero();
        assertEnded();
    }

    @Test
    void bytesWaitingAtTheCloseAreUncountedByACut() {
        stream.hold = true;
        lane.attach(stream);
        write("abc");
        lane.close();
        assertThat(budget.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isEqualTo(3);
        lane.cut("test");
        assertThat(budget.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isZero();
        assertThat(target.closes).containsExactly(true);
        assertAllReleasedOnce();
        assertEnded();
    }

    @Test
    void eofAloneIsNotAClose() {
        lane.attach(stream);
        write("x");
        lane.eof();
        assertThat(stream.text()).isEqualTo("x");
        assertThat(target.eofs.get()).isOne();
        assertThat(target.closes).isEmpty();
        assertThat(lane.isDone()).isFalse();
        assertThat(ended.get()).isZero();

        lane.close(); // the sender's close after its EOF: the target closes gracefully, nothing left to send
        assertThat(target.closes).containsExactly(false);
        assertAllReleasedOnce();
        assertEnded();
    }

    @Test
    void aCloseWithoutEofClosesWithoutSendingEof() {
        lane.attach(stream);
        write("x");
        lane.close();
        assertThat(target.eofs.get()).isZero();
        assertThat(target.closes).containsExactly(false);
        assertAllReleasedOnce();
        assertEnded();
    }

    @Test
    void bytesBeforeTheTargetOpensWaitForIt() {
        write("early");
        lane.eof();
        assertThat(releases.get(0).get()).isZero();
        lane.attach(stream);
        assertThat(stream.text()).isEqualTo("early");
        assertThat(target.eofs.get()).isOne();
        lane.close();
        assertAllReleasedOnce();
        assertEnded();
    }

    @Test
    void aCloseBeforeTheTargetOpenedEndsAtOnceAndALateStreamIsClosed() {
        lane.close();
        assertThat(target.closes).containsExactly(false);
        assertEnded();
        lane.attach(stream);
        assertThat(stream.isClosed()).as("a stream attached after the end is closed").isTrue();
    }

    @Test
    void aFailedWriteCutsTheLaneAndReleasesWhatWaited() {
        stream.hold = true;
        lane.attach(stream);
        write("a");
        write("b");
        write("c");
        stream.failNext();

        assertThat(target.closes).containsExactly(true);
        assertThat(stream.text()).isEqualTo("a");
        assertAllReleasedOnce();
        assertEnded();
        assertThat(stream.isClosed()).isTrue();

        write("late"); // after the cut: released at once, never written
        assertThat(stream.text()).isEqualTo("a");
        assertAllReleasedOnce();
    }

    @Test
    void aWriteThatThrowsCutsTheLane() {
        stream.throwOnWrite = true;
        lane.attach(stream);
        write("a");
        write("b");
        assertThat(target.closes).containsExactly(true);
        assertAllReleasedOnce();
        assertEnded();
    }

    @Test
    void aCloseThatNeverDrainsIsCutAfterTheStall() {
        Duration stall = Duration.ofMillis(300);
        lane = new AliasLane("test", target, scheduler, stall, ended::incrementAndGet, budget);
        stream.hold = true;
        lane.attach(stream);
        write("a"); // never completes: the reader stopped reading
        write("b");
        lane.close();
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> !target.closes.isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(stall.minusMillis(50));
        assertThat(target.closes).containsExactly(true);
        assertAllReleasedOnce();
        assertEnded();
        assertThat(stream.isClosed()).isTrue();
        assertThat(stream.pending).as("the write in flight was failed by the stream's close").isEmpty();
        assertThat(scheduler.getQueue()).as("the stall check is cancelled").isEmpty();
    }

    @Test
    void aSlowButMovingDrainIsNotCut() throws Exception {
        Duration stall = Duration.ofMillis(1000);
        lane = new AliasLane("test", target, scheduler, stall, ended::incrementAndGet, budget);
        stream.hold = true;
        lane.attach(stream);
        for (int i = 0; i < 10; i++) {
            write("" + i);
        }
        lane.close();
        for (int i = 0; i < 10; i++) { // 10 × 200 ms = 2 stalls, but a write completes within each
            Thread.sleep(200);
            stream.completeNext();
        }
        assertThat(stream.text()).isEqualTo("0123456789");
        assertThat(target.closes).containsExactly(false);
        assertAllReleasedOnce();
        assertEnded();
        assertThat(scheduler.getQueue()).isEmpty();
    }

    @Test
    void dropReleasesWhatWaitsAndClosesNothingButTheStream() {
        stream.hold = true;
        lane.attach(stream);
        write("a");
        write("b");
        lane.eof();
        lane.drop();
        assertThat(target.closes).isEmpty();
        assertThat(target.eofs.get()).isZero();
        assertAllReleasedOnce();
        assertEnded();
        assertThat(stream.isClosed()).isTrue();

        write("late");
        lane.eof();
        lane.close();
        assertThat(target.closes).isEmpty();
        assertAllReleasedOnce();
        assertThat(ended.get()).isOne();
    }

    @Test
    void aSecondCloseOrCutChangesNothing() {
        lane.attach(stream);
        lane.close();
        lane.close();
        lane.cut("test");
        lane.drop();
        assertThat(target.closes).containsExactly(false);
        assertEnded();
    }

    private void write(String s) {
        AtomicInteger released = new AtomicInteger();
        releases.add(released);
        lane.write(s.getBytes(StandardCharsets.US_ASCII), released::incrementAndGet);
    }

    private void assertAllReleasedOnce() {
        synchronized (releases) {
            assertThat(releases).as("each write's window came back exactly once").allMatch(r -> r.get() == 1);
        }
    }

    private void assertEnded() {
        assertThat(lane.isDone()).isTrue();
        assertThat(lane.queued()).isZero();
        assertThat(ended.get()).as("the lane's end (the window reservation) ran once").isOne();
    }

    private static final class Target implements AliasLane.Target {
        final AtomicInteger eofs = new AtomicInteger();
        final List<Boolean> closes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void afterEof() {
            eofs.incrementAndGet();
        }

        @Override
        public void close(boolean immediately) {
            closes.add(immediately);
        }
    }

    /** An SSH channel's stream whose writes complete when the test says (or at once), or fail. */
    private static final class FakeStream extends AbstractCloseable implements IoOutputStream {
        final StringBuffer written = new StringBuffer();
        final ArrayDeque<IoWriteFutureImpl> pending = new ArrayDeque<>();
        volatile boolean hold;
        volatile boolean throwOnWrite;

        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) throws IOException {
            if (throwOnWrite) {
                throw new IOException("broken");
            }
            if (isClosing()) {
                throw new EOFException("closing");
            }
            IoWriteFutureImpl f = new IoWriteFutureImpl(this, buffer);
            written.append(new String(buffer.array(), buffer.rpos(), buffer.available(), StandardCharsets.US_ASCII));
            if (hold) {
                synchronized (pending) {
                    pending.add(f);
                }
            } else {
                f.setValue(Boolean.TRUE);
            }
            return f;
        }

        void completeNext() {
            IoWriteFutureImpl f;
            synchronized (pending) {
                f = pending.poll();
            }
            f.setValue(Boolean.TRUE);
        }

        void failNext() {
            IoWriteFutureImpl f;
            synchronized (pending) {
                f = pending.poll();
            }
            f.setValue(new IOException("connection reset"));
        }

        String text() {
            return written.toString();
        }

        @Override
        protected void doCloseImmediately() {
            List<IoWriteFutureImpl> left;
            synchronized (pending) {
                left = new ArrayList<>(pending);
                pending.clear();
            }
            left.forEach(f -> f.setValue(new EOFException("closed")));
            super.doCloseImmediately();
        }
    }
}
