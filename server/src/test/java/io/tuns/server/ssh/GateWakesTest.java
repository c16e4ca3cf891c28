package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Wakes run only once the outermost scope's body is done (no channel lock held), in order, never nested. */
class GateWakesTest {

    @Test
    void wakesDeferredInAScopeRunAfterItsBody() {
        List<String> seen = new ArrayList<>();
        GateWakes.inScope(() -> {
            GateWakes.defer(List.of(() -> seen.add("wake 1")));
            GateWakes.inScope(() -> GateWakes.defer(List.of(() -> seen.add("wake 2")))); // inner scope: no run
            seen.add("body done");
        });
        assertThat(seen).containsExactly("body done", "wake 1", "wake 2");
    }

    @Test
    void aWakeThatWakesAnotherQueuesItInsteadOfNesting() {
        List<String> seen = new ArrayList<>();
        GateWakes.inScope(() -> GateWakes.defer(List.of(() -> {
            GateWakes.inScope(() -> GateWakes.defer(List.of(() -> seen.add("second"))));
            seen.add("first done");
        })));
        assertThat(seen).containsExactly("first done", "second");
    }

    @Test
    void outsideAnyScopeWakesRunAtOnceAndAFailingWakeDoesNotLoseTheOthers() {
        List<String> seen = new ArrayList<>();
        GateWakes.defer(List.of(() -> {
            throw new IllegalStateException("boom");
        }, () -> seen.add("after")));
        assertThat(seen).containsExactly("after");
    }
}
