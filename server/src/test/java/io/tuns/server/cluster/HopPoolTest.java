package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tuns.server.memory.MemoryBudget;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HopPoolTest {

    static final HopPool.Key KEY = new HopPool.Key("127.0.0.1:7000", "http|app.localhost", "192.0.2.1");

    static HopStream stream(HopPool pool, HopPool.Key key) {
        return new HopStream(new EmbeddedChannel(), pool, key, ClusterEvents.NONE, MemoryBudget.off());
    }

    @Test
    void takesTheLastParkedOpenConnectionForItsKeyOnly() {
        HopPool pool = new HopPool();
        HopStream first = stream(pool, KEY);
        HopStream second = stream(pool, KEY);
        assertThat(pool.put(first)).isTrue();
        assertThat(pool.put(second)).isTrue();
        assertThat(pool.take(new HopPool.Key("127.0.0.1:7000", "http|app.localhost", "192.0.2.2")))
                .as("another client address: its header named someone else").isNull();
        assertThat(pool.take(new HopPool.Key("127.0.0.1:7000", "http|other.localhost", "192.0.2.1")))
                .as("another route: the owner accepted this one only").isNull();
        assertThat(pool.take(KEY)).isSameAs(second);
        assertThat(pool.idle()).isEqualTo(1);
    }

    @Test
    void closedConnectionsAreSkippedAndDropped() {
        HopPool pool = new HopPool();
        EmbeddedChannel ch = new EmbeddedChannel();
        HopStream closed = new HopStream(ch, pool, KEY, ClusterEvents.NONE, MemoryBudget.off());
        pool.put(closed);
        ch.close();
        assertThat(pool.take(KEY)).isNull();
        assertThat(pool.idle()).isZero();
    }

    @Test
    void boundedPerKeyAndInAll() {
        HopPool pool = new HopPool();
        for (int i = 0; i < HopPool.MAX_PER_KEY; i++) {
            assertThat(pool.put(stream(pool, KEY))).isTrue();
        }
        assertThat(pool.put(stream(pool, KEY))).as("per key").isFalse();
        List<HopStream> others = new ArrayList<>();
        for (int i = 0; pool.idle() < HopPool.MAX_IDLE; i++) {
            HopStream s = stream(pool, new HopPool.Key("127.0.0.1:7000", "http|n" + i, "192.0.2.1"));
            assertThat(pool.put(s)).isTrue();
            others.add(s);
        }
        assertThat(pool.put(stream(pool, new HopPool.Key("127.0.0.1:7001", "x", "y")))).as("in all").isFalse();
        assertThat(pool.remove(others.get(0))).isTrue();
        assertThat(pool.remove(others.get(0))).as("removed once").isFalse();
        assertThat(pool.idle()).isEqualTo(HopPool.MAX_IDLE - 1);
    }
}
