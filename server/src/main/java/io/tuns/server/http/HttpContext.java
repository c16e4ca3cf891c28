package io.tuns.server.http;

import io.tuns.server.access.IpFilter;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tls.TlsHooks;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.function.Supplier;

/**
 * What every client connection's handler shares. {@code inspector} and {@code console} may be null (off);
 * {@code metrics} serves {@code /_sish/metrics}; {@code tls} (null when neither is on) answers ACME HTTP-01
 * challenges and {@code --force-all-https} redirects on the plain listener; {@code requestLog} (null when
 * {@code --log-http-requests=false} and no {@code --log-to-client}) writes sish's access line per exchange;
 * {@code backendTls} speaks TLS to services forwarded as port 443; {@code shares} caps the channels one client
 * address holds per tunnel owner; {@code memory} is the memory budget (queued writes are counted in it);
 * {@code cluster} (null on a single node) forwards a request whose route another node holds; {@code readiness}
 * answers {@code /_sish/health}.
 */
public record HttpContext(ServerConfig config,
                          TunnelRegistry registry,
                          Supplier<PublicUrls> urls,
                          Inspector inspector,
                          SishRoutes console,
                          MetricsEndpoint metrics,
                          HttpEvents events,
                          TlsHooks tls,
                          RequestLog requestLog,
                          BackendTls backendTls,
                          IpFilter ipFilter,
                          ClientShares shares,
                          MemoryBudget memory,
                          ClusterHop cluster,
                          Readiness readiness) {

    /** Always ready (tests of the proxy). */
    public HttpContext(ServerConfig config, TunnelRegistry registry, Supplier<PublicUrls> urls, Inspector inspector,
                       SishRoutes console, MetricsEndpoint metrics, HttpEvents events, TlsHooks tls,
                       RequestLog requestLog, BackendTls backendTls, IpFilter ipFilter, ClientShares shares,
                       MemoryBudget memory, ClusterHop cluster) {
        this(config, registry, urls, inspector, console, metrics, events, tls, requestLog, backendTls, ipFilter,
                shares, memory, cluster, Readiness.SERVING);
    }

    /** With the client-address shares built from the config (the usual case; tests may pass their own). */
    public HttpContext(ServerConfig config, TunnelRegistry registry, Supplier<PublicUrls> urls, Inspector inspector,
                       SishRoutes console, MetricsEndpoint metrics, HttpEvents events, TlsHooks tls,
                       RequestLog requestLog, BackendTls backendTls, IpFilter ipFilter, MemoryBudget memory,
                       ClusterHop cluster) {
        this(config, registry, urls, inspector, console, metrics, events, tls, requestLog, backendTls, ipFilter,
                memory, cluster, Readiness.SERVING);
    }

    /** As the server wires it: shares from the config, and the node's readiness. */
    public HttpContext(ServerConfig config, TunnelRegistry registry, Supplier<PublicUrls> urls, Inspector inspector,
                       SishRoutes console, MetricsEndpoint metrics, HttpEvents events, TlsHooks tls,
                       RequestLog requestLog, BackendTls backendTls, IpFilter ipFilter, MemoryBudget memory,
                       ClusterHop cluster, Readiness readiness) {
        this(config, registry, urls, inspector, console, metrics, events, tls, requestLog, backendTls, ipFilter,
                new ClientShares(new ClientShares.Settings(config.maxChannelsPerConnection(),
                        config.httpMaxClientShare())), memory, cluster, readiness);
    }

    /** A single node without a memory governor (tests of the proxy alone). */
    public HttpContext(ServerConfig config, TunnelRegistry registry, Supplier<PublicUrls> urls, Inspector inspector,
                       SishRoutes console, MetricsEndpoint metrics, HttpEvents events, TlsHooks tls,
                       RequestLog requestLog, BackendTls backendTls, IpFilter ipFilter) {
        this(config, registry, urls, inspector, console, metrics, events, tls, requestLog, backendTls, ipFilter,
                MemoryBudget.off(), null);
    }
}
