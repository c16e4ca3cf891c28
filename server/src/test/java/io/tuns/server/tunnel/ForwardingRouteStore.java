package io.tuns.server.tunnel;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A test store that passes every call to {@link #delegate()}; a fake overrides only the call whose timing or answer
 * its test controls. Closing it closes nothing: the delegate belongs to the test.
 */
public abstract class ForwardingRouteStore implements RouteStore {

    protected abstract RouteStore delegate();

    @Override
    public CompletionStage<String> join(String node, String address, Duration ttl) {
        return delegate().join(node, address, ttl);
    }

    @Override
    public CompletionStage<Optional<String>> renew(String node, Duration ttl) {
        return delegate().renew(node, ttl);
    }

    @Override
    public CompletionStage<Void> leave(String node) {
        return delegate().leave(node);
    }

    @Override
    public CompletionStage<RouteClaim> claim(String route, RouteHolder holder, boolean takeOver) {
        return delegate().claim(route, holder, takeOver);
    }

    @Override
    public CompletionStage<Boolean> release(String route, RouteHolder holder) {
        return delegate().release(route, holder);
    }

    @Override
    public CompletionStage<Optional<RouteLocation>> lookup(List<String> routes) {
        return delegate().lookup(routes);
    }

    @Override
    public CompletionStage<Map<String, String>> routesOfKind(String kind, int max) {
        return delegate().routesOfKind(kind, max);
    }

    @Override
    public void close() {
    }
}
