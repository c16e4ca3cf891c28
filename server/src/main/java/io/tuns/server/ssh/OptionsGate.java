package io.tuns.server.ssh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Holds a connection's forward decisions until the exec that may carry its options has arrived (OpenSSH sends its
 * forwards first), then hands them to the decision executor in arrival order.
 *
 * <p>States: WAITING (decisions queue) → OPEN (decisions run at once) or CLOSED (queued decisions dropped: the
 * connection is gone). Ways out of WAITING: the session's exec or shell ({@link #open()}); the client said no
 * session comes ({@code ssh -N}, also {@link #open()}); no session channel {@code noSessionGrace} after the first
 * forward; {@code wait} after the first forward; more than {@code maxWaiting} decisions queued (decided at once,
 * so the queue is bounded); the connection closing ({@link #close()}).
 */
final class OptionsGate {

    enum State { WAITING, OPEN, CLOSED }

    private final Executor decisions;
    private final ScheduledExecutorService timers;
    private final Duration wait;
    private final Duration noSessionGrace;
    private final BooleanSupplier sessionChannelOpen;
    private final int maxWaiting;

    // guarded by this
    private State state = State.WAITING;
    private final List<Runnable> waiting = new ArrayList<>();
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> graceTimer;

    OptionsGate(Executor decisions, ScheduledExecutorService timers, Duration wait, Duration noSessionGrace,
                BooleanSupplier sessionChannelOpen, int maxWaiting) {
        this.decisions = decisions;
        this.timers = timers;
        this.wait = wait;
        this.noSessionGrace = noSessionGrace;
        this.sessionChannelOpen = sessionChannelOpen;
        this.maxWaiting = maxWaiting;
    }

    synchronized State state() {
        return state;
    }

    /** Runs {@code decision} on the decision executor now, or once the gate opens. After close it runs at once. */
    void submit(Runnable decision) {
        boolean overfull;
        synchronized (this) {
            if (state != State.WAITING) {
                decisions.execute(decision);
                return;
            }
            waiting.add(decision);
            overfull = waiting.size() > maxWaiting;
            if (timer == null && !overfull) {
                timer = timers.schedule(this::open, wait.toMillis(), TimeUnit.MILLISECONDS);
                graceTimer = timers.schedule(this::openUnlessASessionIsOpen,
                        Math.min(noSessionGrace.toMillis(), wait.toMillis()), TimeUnit.MILLISECONDS);
            }
        }
        if (overfull) {
            open(); // a client that piles up forwards before its exec: decide them now
        }
    }

    private void openUnlessASessionIsOpen() {
        if (!sessionChannelOpen.getAsBoolean()) {
            open();
        }
    }

    /** WAITING → OPEN: the queued decisions go to the executor in arrival order. */
    void open() {
        List<Runnable> ready;
        synchronized (this) {
            if (state != State.WAITING) {
                return;
            }
            state = State.OPEN;
            cancelTimers();
            ready = List.copyOf(waiting);
            waiting.clear();
        }
        ready.forEach(decisions::execute); // a single-thread executor keeps arrival order
    }

    /** → CLOSED: queued decisions are dropped (the connection is gone); returns how many. */
    synchronized int close() {
        state = State.CLOSED;
        cancelTimers();
        int dropped = waiting.size();
        waiting.clear();
        return dropped;
    }

    private void cancelTimers() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (graceTimer != null) {
            graceTimer.cancel(false);
        }
    }
}
