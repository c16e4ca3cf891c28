package io.tuns.server.inspect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BodyCaptureTest {

    private final List<Truncation> truncations = new ArrayList<>();

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Feeds the body in uneven pieces, as HttpContent of a chunked or close-delimited body would arrive. */
    private static void feed(BodyCapture capture, byte[] body, int... pieceSizes) {
        int offset = 0;
        int i = 0;
        while (offset < body.length) {
            int n = Math.min(pieceSizes[i++ % pieceSizes.length], body.length - offset);
            ByteBuf buf = Unpooled.wrappedBuffer(body, offset, n);
            int readerBefore = buf.readerIndex();
            capture.append(buf);
            assertThat(buf.readerIndex()).as("reader index untouched").isEqualTo(readerBefore);
            assertThat(buf.refCnt()).as("not retained").isEqualTo(1);
            buf.release();
            offset += n;
        }
    }

    @Test
    void keepsTheHeadAndCountsTheObservedSizeOfAChunkedBody() {
        CaptureBudget budget = new CaptureBudget(1 << 20);
        BodyCapture capture = new BodyCapture(64 * 1024, budget, truncations::add, false);
        byte[] body = randomBytes(300_000, 1);
        feed(capture, body, 1, 7, 4096, 8191, 70_000, 3);

        assertThat(capture.observedBytes()).isEqualTo(300_000);
        assertThat(capture.storedBytes()).isEqualTo(64 * 1024);
        assertThat(capture.bytes()).isEqualTo(Arrays.copyOf(body, 64 * 1024));
        assertThat(capture.truncated()).isTrue();
        assertThat(capture.truncation()).isEqualTo(Truncation.LIMIT);
        assertThat(truncations).containsExactly(Truncation.LIMIT);
        assertThat(budget.inUseBytes()).isEqualTo(64 * 1024);
        capture.free();
        capture.free();
        assertThat(budget.inUseBytes()).isZero();
    }

    @Test
    void aBodyExactlyAtTheLimitIsNotTruncated() {
        CaptureBudget budget = new CaptureBudget(1 << 20);
        BodyCapture capture = new BodyCapture(10_000, budget, truncations::add, false);
        byte[] body = randomBytes(10_000, 2);
        feed(capture, body, 3000);
        assertThat(capture.truncated()).isFalse();
        assertThat(capture.truncation()).isEqualTo(Truncation.NONE);
        assertThat(capture.bytes()).isEqualTo(body);
        assertThat(budget.inUseBytes()).isEqualTo(10_000); // a last chunk sized to the limit, not 8 KiB rounded up
    }

    @Test
    void anEmptyBudgetTruncatesWithoutWaitingAndStillCountsSizes() {
        CaptureBudget budget = new CaptureBudget(20_000); // two and a half chunks
        BodyCapture capture = new BodyCapture(Long.MAX_VALUE, budget, truncations::add, false);
        byte[] body = randomBytes(1_000_000, 3);
        feed(capture, body, 65_536);
        assertThat(capture.observedBytes()).isEqualTo(1_000_000);
        assertThat(capture.storedBytes()).isEqualTo(2 * BodyCapture.CHUNK_BYTES);
        assertThat(capture.truncation()).isEqualTo(Truncation.BUDGET);
        assertThat(truncations).containsExactly(Truncation.BUDGET);
        assertThat(capture.bytes()).isEqualTo(Arrays.copyOf(body, 2 * BodyCapture.CHUNK_BYTES));
        assertThat(budget.inUseBytes()).isLessThanOrEqualTo(budget.limitBytes());
    }

    @Test
    void offCapturesOnlyCountSizes() {
        BodyCapture capture = BodyCapture.off();
        feed(capture, randomBytes(5000, 4), 100);
        assertThat(capture.observedBytes()).isEqualTo(5000);
        assertThat(capture.storedBytes()).isZero();
        assertThat(capture.truncation()).isEqualTo(Truncation.OFF);
    }

    @Test
    void aFreedCaptureGivesBackItsBytesAndKeepsNoMore() {
        CaptureBudget budget = new CaptureBudget(1 << 20);
        BodyCapture capture = new BodyCapture(64 * 1024, budget, truncations::add, false);
        feed(capture, randomBytes(20_000, 5), 5000);
        capture.free();
        feed(capture, randomBytes(20_000, 6), 5000);
        assertThat(budget.inUseBytes()).isZero();
        assertThat(capture.observedBytes()).isEqualTo(40_000);
        assertThat(capture.bytes()).isEmpty();
    }
}
