package io.tuns.server.http;

import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelOptions;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Where a request goes, from its host, path, listener and Authorization header: tuns' own endpoints, the root
 * domain's page, a tunnel, or a refusal. No Netty types and no effects beyond the round robin of a load-balanced
 * name, so the whole table is unit-tested ({@code RequestRouterTest}).
 */
final class RequestRouter {

    /**
     * The settings routing depends on.
     *
     * @param forceAllHttps {@code --force-all-https}: as sish, decided per tunnel after its password check, so a
     *                      host without a tunnel stays 404 and a protected one answers 401 before redirecting
     */
    record Settings(String domain, boolean metricsEndpoint, boolean console, boolean redirectRoot,
                    String redirectRootLocation, boolean https, boolean forceAllHttps) {
    }

    enum Kind { HEALTH, METRICS, CONSOLE, REDIRECT, ROOT_PAGE, NOT_FOUND, UNAUTHORIZED, FORCE_HTTPS, TUNNEL }

    /** The decision; {@code location} for REDIRECT, {@code tunnel}/{@code group} for the rest that have one. */
    record Route(Kind kind, String location, Tunnel tunnel, TunnelGroup group) {
        static final Route HEALTH = new Route(Kind.HEALTH, null, null, null);
        static final Route METRICS = new Route(Kind.METRICS, null, null, null);
        static final Route CONSOLE = new Route(Kind.CONSOLE, null, null, null);
        static final Route ROOT_PAGE = new Route(Kind.ROOT_PAGE, null, null, null);
        static final Route NOT_FOUND = new Route(Kind.NOT_FOUND, null, null, null);
    }

    private final Settings settings;
    private final BiFunction<String, String, Optional<TunnelGroup>> lookup;

    /** @param lookup the registry's longest-prefix route for (host, path) */
    RequestRouter(Settings settings, BiFunction<String, String, Optional<TunnelGroup>> lookup) {
        this.settings = settings;
        this.lookup = lookup;
    }

    /** {@code /_sish/health}, with or without a query. */
    static boolean isHealth(String path) {
        return path.equals(HEALTH_PATH) || path.startsWith(HEALTH_PATH + "?");
    }

    static final String HEALTH_PATH = "/_sish/health";

    /**
     * @param host          normalised Host (see {@link HostHeader})
     * @param path          the request target in origin form
     * @param tls           whether the request came on the HTTPS listener
     * @param authorization the Authorization header, or null
     */
    Route route(String host, String path, boolean tls, String authorization) {
        if (!tls && isHealth(path)) { // the load balancer's check, whatever Host it sends
            return Route.HEALTH;
        }
        boolean root = host.equals(settings.domain());
        if (root && settings.metricsEndpoint() && path.startsWith("/_sish/metrics")) {
            return Route.METRICS;
        }
        if (settings.console() && path.startsWith("/_sish/")) {
            return Route.CONSOLE;
        }
        Optional<TunnelGroup> group = lookup.apply(host, path);
        if (group.isEmpty()) {
            if (!root || !settings.redirectRoot()) {
                return Route.NOT_FOUND;
            }
            return !settings.redirectRootLocation().isEmpty() && !path.startsWith("/favicon.ico") // sish: HasPrefix
                    ? new Route(Kind.REDIRECT, settings.redirectRootLocation(), null, null) : Route.ROOT_PAGE;
        }
        Tunnel tunnel = group.get().next(); // round robin per request, as sish does
        TunnelOptions opts = tunnel.options();
        if (opts.needsAuth() && !BasicAuth.matches(authorization, opts)) {
            return new Route(Kind.UNAUTHORIZED, null, tunnel, group.get());
        }
        if ((opts.forceHttps() || settings.forceAllHttps()) && settings.https() && !tls) {
            return new Route(Kind.FORCE_HTTPS, null, tunnel, group.get());
        }
        return new Route(Kind.TUNNEL, null, tunnel, group.get());
    }
}
