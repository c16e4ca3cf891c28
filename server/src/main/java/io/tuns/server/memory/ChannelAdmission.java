package io.tuns.server.memory;

/**
 * Whether a new forwarded channel may open, from how the budget is shared now. A channel let in that then waits
 * minutes for SSH window is cut by the service behind the tunnel (nginx's send_timeout) or by the visitor's own
 * limit: a broken transfer. Refusing it at once (503, channel-open failure) is a clear answer the visitor can retry.
 * So a new channel is refused, before its window is reserved, when
 * <ul>
 *   <li>the channels open already would each get less than {@code perChannel} of the budget with it
 *       ({@link Verdict#SHARE}: more transfers than the budget can keep moving), or</li>
 *   <li>a paused channel has waited for window {@value #LINE_WAIT_MILLIS} ms or more ({@link Verdict#LINE}: the
 *       channels open cannot all get a turn now; a newcomer would only lengthen the line).</li>
 * </ul>
 * Pure: every figure is passed in, so each case is a table row in the test.
 */
public final class ChannelAdmission {

    /** A paused channel normally gets room within a regrant tick or two (100 ms each); past this the line is long. */
    public static final long LINE_WAIT_MILLIS = 1000;

    /** The answer; {@link #ADMIT} or the reason for refusing. */
    public enum Verdict { ADMIT, SHARE, LINE }

    private ChannelAdmission() {
    }

    /**
     * @param limit            the budget, bytes
     * @param open             forwarded channels holding window in it now
     * @param perChannel       the least share of the budget a channel needs to keep moving, bytes
     * @param oldestWaitMillis how long the first channel in the line of paused ones has waited; 0 if nobody waits
     */
    public static Verdict decide(long limit, long open, long perChannel, long oldestWaitMillis) {
        if (perChannel > 0 && (open + 1) > limit / perChannel) {
            return Verdict.SHARE;
        }
        if (oldestWaitMillis >= LINE_WAIT_MILLIS) {
            return Verdict.LINE;
        }
        return Verdict.ADMIT;
    }

    /**
     * The least share of the budget one channel needs: its smallest window (two SSH packets) and the bytes queued
     * towards the ssh client before its reader pauses ({@code --ssh-write-high-water}).
     */
    public static long perChannel(long highWater) {
        return MemoryBudget.MIN_WINDOW_BYTES + Math.max(0, highWater);
    }
}
