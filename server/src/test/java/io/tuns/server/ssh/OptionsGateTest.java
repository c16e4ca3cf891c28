package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every way out of WAITING, and what each does with the queued decisions. Decisions run on the caller here. */
class OptionsGateTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private OptionsGate gate(Duration wait, boolean sessionOpen, int maxWaiting) {
        return new OptionsGate(Runnable::run, timers, wait, Duration.ofMillis(50), () -> sessionOpen, maxWaiting);
    }

    @Test
    void theExecOpensItAndQueuedDecisionsRunInArrivalOrder() {
        OptionsGate g = gate(Duration.ofSeconds(10), true, 8);
        g.submit(() -> ran.add("a"));
        g.submit(() -> ran.add("b"));
        assertThat(ran).isEmpty();
        assertThat(g.state()).isEqualTo(OptionsGate.State.WAITING);
        g.open();
        assertThat(ran).containsExactly("a", "b");
        g.submit(() -> ran.add("c"));
        assertThat(ran).as("once open, at once").containsExactly("a", "b", "c");
        assertThat(g.state()).isEqualTo(OptionsGate.State.OPEN);
    }

    @Test
    void theWaitRunsOutWhileASessionIsOpenButNoExecCame() throws Exception {
        OptionsGate g = gate(Duration.ofMillis(300), true, 8);
        g.submit(() -> ran.add("a"));
        Thread.sleep(150);
        assertThat(ran).as("the session is open: the grace does not open it").isEmpty();
        Thread.sleep(600);
        assertThat(ran).containsExactly("a");
        assertThat(g.state()).isEqualTo(OptionsGate.State.OPEN);
    }

    @Test
    void noSessionChannelAfterTheGraceOpensItEarly() throws Exception {
        OptionsGate g = gate(Duration.ofSeconds(10), false, 8);
        g.submit(() -> ran.add("a"));
        Thread.sleep(500);
        assertThat(ran).containsExactly("a");
    }

    @Test
    void tooManyQueuedDecisionsAreDecidedAtOnce() {
        OptionsGate g = gate(Duration.ofSeconds(10), true, 2);
        g.submit(() -> ran.add("a"));
        g.submit(() -> ran.add("b"));
        assertThat(ran).isEmpty();
        g.submit(() -> ran.add("c"));
        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(g.state()).isEqualTo(OptionsGate.State.OPEN);
    }

    @Test
    void closingDropsQueuedDecisionsAndTheTimersNeverRunThem() throws Exception {
        OptionsGate g = gate(Duration.ofMillis(100), false, 8);
        g.submit(() -> ran.add("a"));
        g.submit(() -> ran.add("b"));
        assertThat(g.close()).isEqualTo(2);
        assertThat(g.state()).isEqualTo(OptionsGate.State.CLOSED);
        Thread.sleep(400);
        assertThat(ran).isEmpty();
        g.open();
        assertThat(g.state()).as("a closed gate stays closed").isEqualTo(OptionsGate.State.CLOSED);
        g.submit(() -> ran.add("late"));
        assertThat(ran).as("after close a decision runs at once and finds the connection closed").containsExactly("late");
    }
}
