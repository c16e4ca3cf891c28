package io.tuns.server.cluster;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster's route change feed (the Redis Stream {@code tuns:feed} that the claim and release scripts
 * append to, see {@link RedisScripts}) on a connection and a thread of its own ({@code XREAD BLOCK}, never an
 * event loop), and tells its {@link Listener}s every claim, take-over and release in the store's order. A gap in
 * the entries' numbers (the reader fell behind the trim, or Redis restarted empty) is reported as
 * {@link Listener#missed}. While Redis is away it retries every {@link #RETRY}, resuming after the last entry read.
 * A node's lease lapsing is not an entry: its routes go quiet (look-ups stop finding them), nothing is said.
 */
public final class RouteFeed implements AutoCloseable {

    /**
     * Someone who keeps something in step with the store's routes (the node's own tunnels, the hop cache, a
     * listener manager). Called on the feed's thread, one entry at a time, in the store's order: return quickly
     * and hop to your own executor for anything slow. A listener that throws is logged and the feed goes on.
     */
    public interface Listener {

        /** {@code route} was claimed or taken over: it is held at {@code location} now. */
        void appeared(String route, RouteLocation location);

        /** {@code route} was released by {@code was}: no one holds it now. */
        void gone(String route, RouteHolder was);

        /** Some entries were lost: anything learnt from the feed may be stale; re-check with the store. */
        default void missed() {
        }
    }

    /** Entries read per XREAD (the most held in memory at once). */
    static final int BATCH = 500;
    /** The longest one XREAD waits for an entry (less when the command timeout is shorter: half of it). */
    static final Duration MAX_BLOCK = Duration.ofMillis(1000);
    static final Duration RETRY = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(RouteFeed.class);

    private final RedisClient client;
    private final RedisURI target;
    private final ClusterEvents events;
    /** Subscribed by the wiring at start-up, a fixed few (node, hop cache, listener managers). */
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Duration block;
    private final Thread reader;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile StatefulRedisConnection<String, String> connection;
    private FeedCursor cursor;

    RouteFeed(RedisClient client, RedisURI target, Duration commandTimeout, ClusterEvents events) {
        this.block = commandTimeout.dividedBy(2).compareTo(MAX_BLOCK) < 0 ? commandTimeout.dividedBy(2) : MAX_BLOCK;
        this.client = client;
        this.target = target;
        this.events = events;
        this.reader = new Thread(this::run, "tuns-route-feed");
        reader.setDaemon(true);
    }

    public void subscribe(Listener listener) {
        listeners.add(listener);
    }

    /** Starts reading from the feed's end: changes made from now on are told. */
    public void start() {
        reader.start();
    }

    /** Starts reading after {@code from} (a reader that stopped there, for tests of what it missed). */
    void startFrom(FeedCursor from) {
        cursor = from;
        reader.start();
    }

    /** Whether the reader is connected and reading (else the node checks its routes itself every heartbeat). */
    public boolean connected() {
        return connected;
    }

    private void run() {
        while (!closed) {
            try {
                RedisCommands<String, String> redis = connect();
                if (cursor == null) {
                    cursor = fromEnd(redis);
                }
                connected = true;
                List<StreamMessage<String, String>> batch = redis.xread(
                        XReadArgs.Builder.block(block).count(BATCH),
                        XReadArgs.StreamOffset.from(RedisScripts.FEED, cursor.lastId()));
                if (batch != null) {
                    batch.forEach(this::apply);
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                if (connected) {
                    log.warn("event=route_feed_unreachable store={}:{} error={}", target.getHost(), target.getPort(),
                            e.getClass().getSimpleName());
                }
                connected = false;
                dropConnection();
                sleep(RETRY);
            }
        }
    }

    private RedisCommands<String, String> connect() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) {
            c = client.connect();
            connection = c;
            if (closed) {
                c.close();
            }
        }
        return c.sync();
    }

    /** The feed's last entry now (or its start when empty). */
    static FeedCursor fromEnd(RedisCommands<String, String> redis) {
        List<StreamMessage<String, String>> last = redis.xrevrange(RedisScripts.FEED, Range.unbounded(),
                Limit.from(1));
        if (last.isEmpty()) {
            return new FeedCursor("0-0", 0);
        }
        StreamMessage<String, String> m = last.get(0);
        long seq;
        try {
            seq = Long.parseLong(m.getBody().getOrDefault("s", "0"));
        } catch (NumberFormatException e) {
            seq = 0;
        }
        return new FeedCursor(m.getId(), seq);
    }

    private void apply(StreamMessage<String, String> m) {
        Optional<FeedEntry> parsed = FeedEntry.parse(m.getId(), m.getBody());
        if (parsed.isEmpty()) {
            cursor.skip(m.getId());
            return;
        }
        FeedEntry e = parsed.get();
        if (cursor.next(m.getId(), e.seq()) == FeedCursor.Step.GAP_THEN_APPLY) {
            log.info("event=route_feed_gap seq={} (entries lost: re-checking)", e.seq());
            events.feedMissed();
            tell(Listener::missed);
        }
        if (e.claimed()) {
            tell(l -> l.appeared(e.route(), e.location()));
        } else {
            tell(l -> l.gone(e.route(), e.holder()));
        }
        events.feedApplied(System.currentTimeMillis() - e.atMillis());
    }

    private void tell(java.util.function.Consumer<Listener> call) {
        for (Listener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException ex) {
                log.warn("event=route_feed_listener_failed listener={} error={}", l.getClass().getSimpleName(),
                        ex.toString());
            }
        }
    }

    private void dropConnection() {
        StatefulRedisConnection<String, String> c = connection;
        connection = null;
        if (c != null) {
            c.closeAsync();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the reader (within one XREAD's wait) and closes its connection. */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        dropConnection();
        try {
            reader.join(block.toMillis() + 500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
