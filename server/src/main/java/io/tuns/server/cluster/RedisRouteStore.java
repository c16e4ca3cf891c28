package io.tuns.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
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
import java.util.concurrent.CompletionStage;

/**
 * The {@link RouteStore} on Redis 7 (or Valkey) through Lettuce: every decision is one Lua script in
 * {@link RedisScripts}, so two nodes racing for a name get one answer each. Calls are asynchronous on one
 * connection (commands reach Redis in the order they were sent); replies complete on Lettuce's own threads,
 * never a tuns event loop. When Redis is away, calls fail at once (no command is queued while disconnected)
 * or after {@code timeout}; the queue of commands in flight is bounded by {@link #MAX_QUEUED}.
 */
public final class RedisRouteStore implements RouteStore {

    /** Commands in flight or queued on the connection; beyond, calls fail at once. */
    static final int MAX_QUEUED = 10_000;

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;

    private RedisRouteStore(ClientResources resources, RedisClient client,
                            StatefulRedisConnection<String, String> connection) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.redis = connection.async();
    }

    /**
     * Connects to {@code uri} ({@code redis://host:port}, {@code rediss://user:password@host:port}); blocks for the
     * first connection, so call it at start-up. Throws {@link StoreUnreachable} with a sentence (no password) when
     * Redis cannot be reached.
     */
    public static RedisRouteStore connect(String uri, Duration timeout) {
        RedisURI target = RedisURI.create(uri.trim());
        target.setTimeout(timeout);
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1)
                .computationThreadPoolSize(1).build();
        RedisClient client = RedisClient.create(resources, target);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        try {
            return new RedisRouteStore(resources, client, client.connect());
        } catch (RuntimeException e) {
            client.shutdown();
            resources.shutdown();
            throw new StoreUnreachable("cannot reach the cluster store at " + target.getHost() + ":"
                    + target.getPort() + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The cluster store did not answer at start-up; the message names host and port, never a password. */
    public static final class StoreUnreachable extends RuntimeException {
        StoreUnreachable(String message) {
            super(message);
        }
    }

    private static String node(String node) {
        return RedisScripts.NODE_PREFIX + node;
    }

    @Override
    public CompletionStage<String> join(String node, String address, Duration ttl) {
        return redis.<String>eval(RedisScripts.JOIN, ScriptOutputType.VALUE,
                new String[] {node(node), RedisScripts.GENERATION},
                address, Long.toString(ttl.toMillis()), UUID.randomUUID().toString());
    }

    @Override
    public CompletionStage<Optional<String>> renew(String node, Duration ttl) {
        return redis.<String>eval(RedisScripts.RENEW, ScriptOutputType.VALUE,
                        new String[] {node(node), RedisScripts.GENERATION}, Long.toString(ttl.toMillis()))
                .thenApply(Optional::ofNullable);
    }

    @Override
    public CompletionStage<Void> leave(String node) {
        return redis.del(node(node)).thenApply(n -> null);
    }

    @Override
    public CompletionStage<RouteClaim> claim(String route, RouteHolder holder, boolean takeOver) {
        return redis.<List<Object>>eval(RedisScripts.CLAIM, ScriptOutputType.MULTI,
                        new String[] {RedisScripts.ROUTE_PREFIX + route, node(holder.node())},
                        holder.node(), holder.owner(), takeOver ? "1" : "0", RedisScripts.NODE_PREFIX)
                .thenApply(RedisRouteStore::claimOf);
    }

    static RouteClaim claimOf(List<Object> reply) {
        RouteClaim.Outcome outcome = RouteClaim.Outcome.valueOf((String) reply.get(0));
        RouteHolder previous = reply.size() >= 3 ? new RouteHolder((String) reply.get(1), (String) reply.get(2)) : null;
        return new RouteClaim(outcome, previous);
    }

    @Override
    public CompletionStage<Boolean> release(String route, RouteHolder holder) {
        return redis.<Long>eval(RedisScripts.RELEASE, ScriptOutputType.INTEGER,
                        new String[] {RedisScripts.ROUTE_PREFIX + route}, holder.node(), holder.owner())
                .thenApply(n -> n == 1L);
    }

    @Override
    public CompletionStage<Optional<RouteLocation>> lookup(List<String> routes) {
        String[] keys = routes.stream().map(r -> RedisScripts.ROUTE_PREFIX + r).toArray(String[]::new);
        return redis.<List<Object>>eval(RedisScripts.LOOKUP, ScriptOutputType.MULTI, keys, RedisScripts.NODE_PREFIX)
                .thenApply(reply -> {
                    if (reply.isEmpty()) {
                        return Optional.empty();
                    }
                    int index = ((Long) reply.get(0)).intValue() - 1;
                    return Optional.of(new RouteLocation(routes.get(index),
                            new RouteHolder((String) reply.get(1), (String) reply.get(2)), (String) reply.get(3)));
                });
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
        resources.shutdown();
    }
}
