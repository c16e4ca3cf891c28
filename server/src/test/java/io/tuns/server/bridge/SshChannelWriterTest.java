package io.tuns.server.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.tuns.server.memory.MemoryBudget;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's counters are shared between the event loop and the threads that complete writes. The stream here is
 * a stand-in for MINA's channel stream (a fault a real server cannot produce on demand: completions on other
 * threads at random moments, racing the loop's next write); the real one is covered by the streaming and memory ITs.
 */
class SshChannelWriterTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final ExecutorService completer = Executors.newFixedThreadPool(3);

    @AfterEach
    void stop() throws Exception {
        completer.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void everyByteArrivesInOrderAndTheProducerIsPausedWithinTheBoundAndResumed() throws Exception {
        long high = 64 * 1024;
        long low = 16 * 1024;
        SlowStream out = new SlowStream(completer);
        AtomicBoolean paused = new AtomicBoolean();
        AtomicLong pauses = new AtomicLong();
        AtomicLong maxQueued = new AtomicLong();
        CompletableFuture<Void> eof = out.closedGracefully;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        CountDownLatch producedAll = new CountDownLatch(1);

        MemoryBudget memory = MemoryBudget.of(64L << 20);
        SshChannelWriter[] writer = new SshChannelWriter[1];
        loop.execute(() -> writer[0] = new SshChannelWriter(out, loop, high, low, p -> {
            paused.set(p);
            if (p) {
                pauses.incrementAndGet();
            }
        }, () -> { }, memory));
        Random random = new Random(7);
        int chunks = 3000;
        Runnable[] produce = new Runnable[1];
        int[] produced = {0};
        produce[0] = () -> { // a producer that stops reading while paused, as the HTTP side does
            while (!paused.get() && produced[0] < chunks) {
                byte[] b = new byte[1 + random.nextInt(9000)];
                random.nextBytes(b);
                sent.update(b);
                writer[0].write(b);
                produced[0]++;
                maxQueued.accumulateAndGet(writer[0].queuedBytes(), Math::max);
            }
            if (produced[0] == chunks) {
                writer[0].shutdownOutput();
                producedAll.countDown();
            } else {
                loop.schedule(produce[0], 1, TimeUnit.MILLISECONDS);
            }
        };
        loop.execute(produce[0]);

        assertThat(producedAll.await(30, TimeUnit.SECONDS)).isTrue();
        eof.get(30, TimeUnit.SECONDS);
        assertThat(MessageDigest.getInstance("SHA-256").digest(out.received.toByteArray()))
                .isEqualTo(sent.digest());
        assertThat(pauses.get()).as("the producer was paused at least once").isPositive();
        assertThat(paused.get()).as("and resumed").isFalse();
        assertThat(maxQueued.get()).as("queued bytes stay within high water + one write")
                .isLessThanOrEqualTo(high + 9000);
        assertThat(out.maxInFlight.get()).isLessThanOrEqualTo(SshChannelWriter.MAX_IN_FLIGHT_PIPELINED);
        assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("every queued byte given back").isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    /** Closed with bytes queued and writes in flight whose completions come later: each byte is given back once. */
    @Test
    void closingWithWritesInFlightGivesEveryByteBackOnce() throws Exception {
        MemoryBudget memory = MemoryBudget.of(64L << 20);
        HeldStream out = new HeldStream();
        SshChannelWriter[] writer = new SshChannelWriter[1];
        onLoop(() -> {
            writer[0] = new SshChannelWriter(out, loop, 1 << 20, 64 << 10, p -> { }, () -> { }, memory);
            for (int i = 0; i < 20; i++) {
                writer[0].write(new byte[40_000]); // one in flight (MINA's stream allows one), the rest queued
            }
        });
        assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isEqualTo(20 * 40_000);
        assertThat(out.held).hasSize(1);
        onLoop(() -> writer[0].close());
        assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).isZero();
        out.held.forEach(f -> f.setValue(new java.io.EOFException("the channel closed"))); // late completions
        onLoop(() -> { });
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
        assertThat(writer[0].accountedBytes()).isZero();
    }

    /** Under memory pressure a producer pauses once more than the low-water mark is queued, not at high water. */
    @Test
    void underPressureTheProducerPausesAtTheLowWaterMark() throws Exception {
        MemoryBudget memory = MemoryBudget.of(10L << 20);
        memory.reserve(MemoryBudget.Kind.SSH_WINDOW, 7L << 20); // past the pressure mark
        HeldStream out = new HeldStream();
        AtomicBoolean paused = new AtomicBoolean();
        SshChannelWriter[] writer = new SshChannelWriter[1];
        onLoop(() -> {
            writer[0] = new SshChannelWriter(out, loop, 1 << 20, 64 << 10, paused::set, () -> { }, memory);
            writer[0].write(new byte[40_000]);
            writer[0].write(new byte[20_000]);
        });
        assertThat(paused).as("60 000 bytes queued: below low water").isFalse();
        onLoop(() -> writer[0].write(new byte[10_000]));
        assertThat(paused).as("70 000 bytes queued under pressure").isTrue();
        memory.release(MemoryBudget.Kind.SSH_WINDOW, 7L << 20);
        onLoop(() -> writer[0].close());
        assertThat(memory.inUse()).isZero();
    }

    /** A full budget pauses the producer at its first queued chunk; its bytes are still queued, never dropped. */
    @Test
    void aFullBudgetPausesTheProducerAtOnce() throws Exception {
        MemoryBudget memory = MemoryBudget.of(10L << 20);
        memory.reserve(MemoryBudget.Kind.SSH_WINDOW, 10L << 20); // full
        HeldStream out = new HeldStream();
        AtomicBoolean paused = new AtomicBoolean();
        SshChannelWriter[] writer = new SshChannelWriter[1];
        onLoop(() -> {
            writer[0] = new SshChannelWriter(out, loop, 1 << 20, 64 << 10, paused::set, () -> { }, memory);
            writer[0].write(new byte[1_000]);
        });
        assertThat(paused).as("1 000 bytes queued with the budget full").isTrue();
        assertThat(memory.inUse(MemoryBudget.Kind.QUEUED_WRITES)).as("counted, not refused").isEqualTo(1_000);
        onLoop(() -> out.held.get(0).setValue(Boolean.TRUE)); // the chunk has gone out: read the next one
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilFalse(paused);
        memory.release(MemoryBudget.Kind.SSH_WINDOW, 10L << 20);
        onLoop(() -> writer[0].close());
        assertThat(memory.inUse()).isZero();
        assertThat(memory.accountingErrors()).isZero();
    }

    private void onLoop(Runnable r) throws Exception {
        loop.submit(r).get(5, TimeUnit.SECONDS);
    }

    /** MINA's one-write-at-a-time stream whose completions the test hands out. */
    private static final class HeldStream extends AbstractCloseable implements IoOutputStream {
        final java.util.List<IoWriteFutureImpl> held = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public IoWriteFuture writeBuffer(Buffer buffer) {
            IoWriteFutureImpl f = new IoWriteFutureImpl(this, buffer);
            held.add(f);
            return f;
        }
    }

    /** Accepts writes in order, completes each on another thread after a random short delay. */
    private static final class SlowStream extends AbstractCloseable implements IoOutputStream, PipelinedWrites {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<Void> closedGracefully = new CompletableFuture<>();
        final AtomicLong inFlight = new AtomicLong();
        final AtomicLong maxInFlight = new AtomicLong();
        private final ExecutorService completer;

        SlowStream(ExecutorService completer) {
            this.completer = completer;
        }

        @Override
        public synchronized IoWriteFuture writeBuffer(Buffer buffer) {
            IoWriteFutureImpl f = new IoWriteFutureImpl(this, buffer);
            received.write(buffer.array(), buffer.rpos(), buffer.available());
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            completer.execute(() -> {
                try {
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(200_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inFlight.decrementAndGet();
                f.setValue(Boolean.TRUE);
            });
            return f;
        }

        @Override
        protected org.apache.sshd.common.future.CloseFuture doCloseGracefully() {
            assertThat(inFlight.get()).as("EOF only after every write completed").isZero();
            closedGracefully.complete(null);
            return super.doCloseGracefully();
        }
    }
}
