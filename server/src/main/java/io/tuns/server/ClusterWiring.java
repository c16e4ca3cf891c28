package io.tuns.server;

import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.cluster.ClusterListener;
import io.tuns.server.cluster.ClusterNode;
import io.tuns.server.cluster.HopChannels;
import io.tuns.server.cluster.HopTls;
import io.tuns.server.cluster.RedisAcmeCoordination;
import io.tuns.server.cluster.RedisRouteStore;
import io.tuns.server.cluster.RouteFeed;
import io.tuns.server.config.ClusterTlsPolicy;
import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.metrics.ClusterMetrics;
import io.tuns.server.ssh.RemoteAliases;
import io.tuns.server.tcp.ClusterPorts;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.SniPortMirrors;
import io.tuns.server.tls.ClusterCredentials;
import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's parts on one node (--cluster-store): the route store, the node's lease, the route feed, the hop to
 * other nodes, the ports mirrored from them and the listener they hop to. Built in steps, because the registry is
 * built on the store and the listener lands connections in the HTTP fronts, which are built in between.
 */
final class ClusterWiring {

    private static final Logger log = LoggerFactory.getLogger(ClusterWiring.class);

    /** How long a claim waits for the cluster store, and a hop for its owner's answer. */
    static final Duration WAIT = Duration.ofSeconds(2);

    private final ServerConfig cfg;
    private final TunnelRegistry registry;
    private final Executor executor;
    private final RouteStore store;
    private final HopTls hopTls;
    private final ClusterEvents events;
    /** Null when the store has no change feed. */
    private final RouteFeed feed;
    private final ClusterNode node;
    private final ClusterHop hop;
    /** Set by {@link #mirrorPorts}, before start. */
    private ClusterPorts ports;
    /** Set by {@link #mirrorPorts}, before start. */
    private SniPortMirrors sniPorts;
    private ClusterListener listener;

    /**
     * @param store    from {@link #openStore}; the registry was built on it
     * @param executor the tunnels' executor: claims and reconciles run there, off the event loops
     * @param memory   the budget a hop's read-ahead counts in
     */
    ClusterWiring(ServerConfig cfg, RouteStore store, TunnelRegistry registry, PrometheusRegistry prometheus,
                  Executor executor, MemoryBudget memory, EventLoopGroup boss, EventLoopGroup workers) {
        this.cfg = cfg;
        this.registry = registry;
        this.executor = executor;
        this.store = store;
        this.events = new ClusterMetricsEvents(new ClusterMetrics(prometheus, cfg.clusterNodeTtl().toMillis() / 1000.0,
                () -> registry.heldRoutes().size()));
        this.hopTls = openHopTls(cfg);
        this.feed = store instanceof RedisRouteStore redis ? redis.feed(events) : null;
        this.node = new ClusterNode(store, registry, new ClusterNode.Settings(cfg.clusterNodeId(), cfg.clusterNodeTtl()),
                executor, events, feed == null ? () -> false : feed::connected);
        this.hop = new ClusterHop(store, cfg.clusterNodeId(), WAIT, events, hopTls, memory); // read-ahead counted
        if (feed != null) {
            feed.subscribe(node.feedListener());
            feed.subscribe(hop.cacheListener());
            hop.trustCacheWhile(feed::connected); // plain HTTP requests skip the store meanwhile
        }
    }

    /** --cluster-store: connects at start-up (an unreachable store: the node starts and keeps trying). */
    static RouteStore openStore(ServerConfig cfg) {
        try {
            return RedisRouteStore.connect(cfg.clusterStore(), WAIT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--cluster-store: not a Redis URL (redis://host:port)");
        }
    }

    /** --cluster-tls-*: mutual TLS between nodes; none only on a loopback --cluster-listen (config/ClusterTlsPolicy). */
    private static HopTls openHopTls(ServerConfig cfg) {
        if (cfg.clusterTlsCert().isBlank()) {
            log.warn("event=cluster_plain_hops message=\"{}\"", ClusterTlsPolicy.PLAIN_WARNING);
            return null;
        }
        return ClusterCredentials.load(Path.of(cfg.clusterTlsCert()), Path.of(cfg.clusterTlsKey()),
                Path.of(cfg.clusterTlsCa()));
    }

    ClusterHop hop() {
        return hop;
    }

    /** Listens here on the TCP and SNI ports other nodes hold; built once the SNI listeners exist. */
    void mirrorPorts(SniListeners sni, ScheduledExecutorService timers, EventLoopGroup boss, EventLoopGroup workers) {
        this.ports = new ClusterPorts(cfg, hop, boss, workers,
                new ClusterPorts.Wiring(executor, timers, registry::servesLocally,
                        () -> store.routesOfKind("tcp", ClusterPorts.MAX_ROUTES),
                        feed == null ? () -> false : feed::connected));
        this.sniPorts = new SniPortMirrors(cfg.clusterNodeId(), sni);
        if (feed != null) {
            feed.subscribe(ports.feedListener()); // TCP ports claimed elsewhere: listened on here too
        }
    }

    ClusterPorts ports() {
        return ports;
    }

    /** Aliases held on other nodes, opened for {@code ssh -J/-W/-L} here. */
    RemoteAliases aliasHops(EventLoopGroup workers) {
        return new HopChannels(hop, workers)::open;
    }

    /** Challenge answers and order locks shared by the nodes; null when the store cannot hold them. */
    AcmeCoordination acme() {
        return store instanceof RedisRouteStore redis ? new RedisAcmeCoordination(redis) : null;
    }

    /** The listener other nodes hop to; its connections land in {@code landings}. */
    void listenFor(ClusterLandings landings, EventLoopGroup boss, EventLoopGroup workers) {
        this.listener = new ClusterListener(cfg.clusterListen(), landings, hopTls, events, node::leaseLive, boss,
                workers);
    }

    /** Joins the cluster before any listener takes traffic: claims need the node's lease. */
    void start(ScheduledExecutorService scheduler) throws InterruptedException {
        if (feed != null) {
            feed.start(); // before joining: no change made after the join is missed
        }
        listener.start();
        String advertise = cfg.clusterAdvertise().isBlank()
                ? cfg.clusterListen().substring(0, cfg.clusterListen().lastIndexOf(':') + 1)
                        + listener.boundAddress().getPort()
                : cfg.clusterAdvertise();
        node.start(advertise, scheduler, WAIT); // a store that is away: starts, refuses new forwards
        long every = Math.max(200, cfg.clusterNodeTtl().toMillis() / 5); // as often as the heartbeat
        // TCP ports other nodes hold, from the feed; a full read of the store as its safety net
        scheduler.scheduleWithFixedDelay(ports::beat, 0, every, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> store.routesOfKind(SniListeners.MARK_KIND, ClusterPorts.MAX_ROUTES)
                .thenAccept(held -> executor.execute(() -> sniPorts.reconcile(held))),
                0, every, TimeUnit.MILLISECONDS); // SNI ports other nodes' forwards use: listened on here too
    }

    /** For /_sish/health: null while the node holds a lease, else why not. */
    String notReady() {
        return node.notReady();
    }

    InetSocketAddress address() {
        return listener.boundAddress();
    }

    /** Ends the lease (other keys may claim the names no client came back for) and stops taking hops. */
    void leave() {
        node.close();
        listener.close();
        ports.close(); // its listeners: connections for ports held elsewhere go to other nodes
        sniPorts.close();
    }

    /** Last, after the executors stopped: nothing claims or releases any more. */
    void closeStore() {
        store.close();
    }

    /** The cluster's happenings → Prometheus. */
    private record ClusterMetricsEvents(ClusterMetrics m) implements ClusterEvents {
        @Override
        public void storeAnswered(boolean answered) {
            m.storeAnswered(answered);
        }

        @Override
        public void leaseRenewed() {
            m.leaseRenewed(System.currentTimeMillis());
        }

        @Override
        public void leaseLapsed() {
            m.leaseLapsed();
        }

        @Override
        public void routeLost() {
            m.routeLost();
        }

        @Override
        public void hop(String result) {
            m.hop(result);
        }

        @Override
        public void peerRefused() {
            m.peerRefused();
        }

        @Override
        public void feedApplied(long lagMillis) {
            m.feedApplied(lagMillis);
        }

        @Override
        public void feedMissed() {
            m.feedMissed();
        }
    }
}
