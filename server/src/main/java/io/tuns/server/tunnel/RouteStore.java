package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The cluster-wide record of which node holds which route, under the node-local {@link TunnelRegistry} (which stays
 * the lock-free cache read on every request and keeps deciding {@link ForwardOwnership} among its own tunnels).
 * A route is live only while its holder's node lease is: one lease per node is renewed, not one per route.
 *
 * <p>Every call is asynchronous. A store doing I/O completes on its own threads; callers hop back to theirs and
 * never wait on an event loop. {@link LocalRouteStore} (in memory, the default) completes at once.
 */
public interface RouteStore extends AutoCloseable {

    /**
     * Starts or restarts {@code node}'s lease with its cluster {@code address}; {@code ttl} zero means it never
     * lapses (a single node). Completes with the store's generation, a value that changes only when the store
     * lost its data; a node that sees it change re-asserts its routes.
     */
    CompletionStage<String> join(String node, String address, Duration ttl);

    /** Extends a live lease: the generation, or empty when the lease had lapsed (the node is fenced; join again). */
    CompletionStage<Optional<String>> renew(String node, Duration ttl);

    /** Ends the lease at once (a clean stop): the node's routes are free for any key. */
    CompletionStage<Void> leave(String node);

    /**
     * Claims {@code route} for {@code holder} in one atomic step. With {@code takeOver} the same owner on another
     * live node loses it ({@code TAKEN_OVER}); without, only a free or lapsed route is taken (random names, and
     * re-asserts, which must never displace a newer claim).
     */
    CompletionStage<RouteClaim> claim(String route, RouteHolder holder, boolean takeOver);

    /** Frees {@code route} if {@code holder} (node and owner) still holds it; true when it did. */
    CompletionStage<Boolean> release(String route, RouteHolder holder);

    /** The first of {@code routes} (in order) held by a live node, with that node's address. */
    CompletionStage<Optional<RouteLocation>> lookup(List<String> routes);

    /**
     * The routes of one kind ({@code tcp}: the key before '|') held by live nodes, route → node, at most
     * {@code max} of them: how a node learns which TCP ports other nodes hold, to listen on them too.
     */
    CompletionStage<java.util.Map<String, String>> routesOfKind(String kind, int max);

    @Override
    void close();
}
