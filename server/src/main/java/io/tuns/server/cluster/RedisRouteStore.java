package io.tuns.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.tuns.server.tunnel.RouteClaim;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import io.tuns.server.tunnel.RouteStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RouteStore} on Redis 7 (or Valkey) through Lettuce: every decision is one Lua script in
 * {@link RedisScripts}, so two nodes racing for a name get one answer each. Calls are asynchronous on one
 * connection (commands reach Redis in the order they were sent); replies complete on Lettuce's own threads,
 * never a tuns event loop. When Redis is away (even at start-up), calls fail at once (no command is queued while
 * disconnected) or after {@code timeout}; the queue of commands in flight is bounded by {@link #MAX_QUEUED}.
 */
public final class RedisRouteStore implements RouteStore {

    /** Commands in flight or queued on the connection; beyond, calls fail at once. */
    static final int MAX_QUEUED = 10_000;
    /** Between tries to reach a store that was away at start-up; Lettuce reconnects a lost connection itself. */
    static final Duration FIRST_CONNECT_RETRY = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(RedisRouteStore.class);

    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI target;
    private final AtomicReference<StatefulRedisConnection<String, String>> connection = new AtomicReference<>();
    private final Duration timeout;
    private volatile boolean closed;
    private RouteFeed feed;

    private RedisRouteStore(ClientResources resources, RedisClient client, RedisURI target, Duration timeout) {
        this.timeout = timeout;
        this.resources = resources;
        this.client = client;
        this.target = target;
    }

    /**
     * Connects to {@code uri} ({@code redis://host:port}, {@code rediss://user:password@host:port}), waiting up to
     * {@code timeout} at start-up. When Redis is away, the node starts anyway: calls fail at once (new forwards are
     * refused) while the store keeps trying to connect every {@link #FIRST_CONNECT_RETRY}. Once connected, a lost
     * connection is re-made by Lettuce, at most {@code 1 s} apart.
     */
    public static RedisRouteStore connect(String uri, Duration timeout) {
        RedisURI target = RedisURI.create(uri.trim());
        target.setTimeout(timeout);
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, target);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        RedisRouteStore store = new RedisRouteStore(resources, client, target, timeout);
        try {
            store.connection.set(client.connect());
        } catch (RuntimeException e) {
            log.warn("event=route_store_unreachable op=connect store={}:{} error={} (starting anyway: new forwards"
                    + " are refused until it answers)", target.getHost(), target.getPort(), e.getClass().getSimpleName());
            store.retryLater();
        }
        return store;
    }

    private void retryLater() {
        resources.eventExecutorGroup().schedule(() -> {
            if (closed) {
                return;
            }
            client.connectAsync(StringCodec.UTF8, target).whenComplete((c, error) -> {
                if (error != null) {
                    retryLater();
                } else if (closed || !connection.compareAndSet(null, c)) {
                    c.closeAsync();
                } else {
                    log.info("event=route_store_connected store={}:{}", target.getHost(), target.getPort());
                }
            });
        }, FIRST_CONNECT_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The store does not answer; the message names host and port, never a password. */
    public static final class StoreUnreachable extends RuntimeException {
        StoreUnreachable(String message) {
            super(message);
        }
    }

    /** Runs {@code call} on the connection, or fails at once while there is none yet (also for RedisAcmeCoordination). */
    <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> call) {
        StatefulRedisConnection<String, String> c = connection.get();
        if (c == null) {
            return CompletableFuture.failedFuture(new StoreUnreachable("not connected to the cluster store at "
                    + target.getHost() + ":" + target.getPort()));
        }
        return call.apply(c.async());
    }

    private static String node(String node) {
        return RedisScripts.NODE_PREFIX + node;
    }

    @Override
    public CompletionStage<String> join(String node, String address, Duration ttl) {
        return call(redis -> redis.<String>eval(RedisScripts.JOIN, ScriptOutputType.VALUE,
                new String[] {node(node), RedisScripts.GENERATION},
                address, Long.toString(ttl.toMillis()), UUID.randomUUID().toString()));
    }

    @Override
    public CompletionStage<Optional<String>> renew(String node, Duration ttl) {
        return call(redis -> redis.<String>eval(RedisScripts.RENEW, ScriptOutputType.VALUE,
                        new String[] {node(node), RedisScripts.GENERATION}, Long.toString(ttl.toMillis()))
                .thenApply(Optional::ofNullable));
    }

    @Override
    public CompletionStage<Void> leave(String node) {
        return call(redis -> redis.del(node(node)).thenApply(n -> null));
    }

    @Override
    public CompletionStage<RouteClaim> claim(String route, RouteHolder holder, boolean takeOver) {
        return call(redis -> redis.<List<Object>>eval(RedisScripts.CLAIM, ScriptOutputType.MULTI,
                        new String[] {RedisScripts.ROUTE_PREFIX + route, node(holder.node()), RedisScripts.FEED,
                                RedisScripts.FEED_SEQ},
                        holder.node(), holder.owner(), takeOver ? "1" : "0", RedisScripts.NODE_PREFIX, route)
                .thenApply(RedisRouteStore::claimOf));
    }

    static RouteClaim claimOf(List<Object> reply) {
        RouteClaim.Outcome outcome = RouteClaim.Outcome.valueOf((String) reply.get(0));
        RouteHolder previous = reply.size() >= 3 ? new RouteHolder((String) reply.get(1), (String) reply.get(2)) : null;
        return new RouteClaim(outcome, previous);
    }

    @Override
    public CompletionStage<Boolean> release(String route, RouteHolder holder) {
        return call(redis -> redis.<Long>eval(RedisScripts.RELEASE, ScriptOutputType.INTEGER,
                        new String[] {RedisScripts.ROUTE_PREFIX + route, RedisScripts.FEED, RedisScripts.FEED_SEQ},
                        holder.node(), holder.owner(), route)
                .thenApply(n -> n == 1L));
    }

    @Override
    public CompletionStage<Optional<RouteLocation>> lookup(List<String> routes) {
        String[] keys = routes.stream().map(r -> RedisScripts.ROUTE_PREFIX + r).toArray(String[]::new);
        return call(redis -> redis.<List<Object>>eval(RedisScripts.LOOKUP, ScriptOutputType.MULTI, keys,
                        RedisScripts.NODE_PREFIX)
                .thenApply(reply -> {
                    if (reply.isEmpty()) {
                        return Optional.empty();
                    }
                    int index = ((Long) reply.get(0)).intValue() - 1;
                    return Optional.of(new RouteLocation(routes.get(index),
                            new RouteHolder((String) reply.get(1), (String) reply.get(2)), (String) reply.get(3)));
                }));
    }

    /**
     * The route change feed, read on a connection of its own (not yet started: subscribe, then
     * {@link RouteFeed#start}); closed with the store. One per store.
     */
    public synchronized RouteFeed feed(ClusterEvents events) {
        if (feed == null) {
            feed = new RouteFeed(client, target, timeout, events);
        }
        return feed;
    }

    @Override
    public CompletionStage<java.util.Map<String, String>> routesOfKind(String kind, int max) {
        return call(redis -> redis.<List<Object>>eval(RedisScripts.ROUTES_OF_KIND, ScriptOutputType.MULTI,
                        new String[0], RedisScripts.ROUTE_PREFIX + kind + "|*", RedisScripts.NODE_PREFIX,
                        Integer.toString(RedisScripts.ROUTE_PREFIX.length()), Integer.toString(max))
                .thenApply(reply -> {
                    java.util.Map<String, String> out = new java.util.TreeMap<>();
                    for (int i = 0; i + 1 < reply.size(); i += 2) {
                        out.put((String) reply.get(i), (String) reply.get(i + 1));
                    }
                    return out;
                }));
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (feed != null) {
                feed.close();
            }
        }
        StatefulRedisConnection<String, String> c = connection.getAndSet(null);
        if (c != null) {
            c.close();
        }
        client.shutdown();
        resources.shutdown();
    }
}
