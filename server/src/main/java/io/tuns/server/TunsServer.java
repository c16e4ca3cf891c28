package io.tuns.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tuns.server.access.CountryLookup;
import io.tuns.server.access.IpFilter;
import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.console.ConsoleRoutes;
import io.tuns.server.console.ConsoleTokenBook;
import io.tuns.server.http.BackendTls;
import io.tuns.server.http.RequestLog;
import io.tuns.server.http.HttpContext;
import io.tuns.server.http.HttpEvents;
import io.tuns.server.http.HttpFront;
import io.tuns.server.http.HttpsFront;
import io.tuns.server.http.MetricsEndpoint;
import io.tuns.server.inspect.Inspector;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.metrics.Metrics;
import io.tuns.server.metrics.MetricsListener;
import io.tuns.server.metrics.ScrapeAuth;
import io.tuns.server.ssh.ClientConnection;
import io.tuns.server.ssh.SshContext;
import io.tuns.server.ssh.SshEvents;
import io.tuns.server.ssh.SshFront;
import io.tuns.server.tcp.MirroredPorts;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tls.AcmeIssuer;
import io.tuns.server.tls.AcmeSettings;
import io.tuns.server.tls.CertificateEvents;
import io.tuns.server.tls.CertificateStore;
import io.tuns.server.tls.TlsHooks;
import io.tuns.server.transport.Transport;
import io.tuns.server.tunnel.AcmeCoordination;
import io.tuns.server.tunnel.DnsOwnership;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HostPolicy;
import io.tuns.server.tunnel.LocalAcmeCoordination;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.RouteStore;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires one tuns server from a config: the SSH listener, the HTTP listener, the routing table, inspection,
 * consoles and metrics. No static state: a test can run two in one JVM.
 */
public final class TunsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TunsServer.class);

    private final ServerConfig cfg;

    private final TunnelRegistry registry;
    /** Set once every listener is up: only a started cluster node drains on close. */
    private volatile boolean started;
    /** Set when closing begins: /_sish/health answers 503 from then on. */
    private volatile boolean stopping;
    /** Null on a single node (no --cluster-store). */
    private final ClusterWiring cluster;
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final Metrics metrics;
    private final Inspector inspector;
    private final AtomicReference<PublicUrls> urls = new AtomicReference<>(new PublicUrls(80));
    private final ExecutorService tunnelExecutor = Executors.newSingleThreadExecutor(daemon("tuns-tunnels"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("tuns-timers"));
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, daemon("tuns-accept"),
            Transport.chosen().ioHandlerFactory());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(0, daemon("tuns-http"),
            Transport.chosen().ioHandlerFactory());
    private final SshFront ssh;
    private final HttpFront http;
    private final RequestLog requestLog;
    private final ConsoleRoutes console;
    private final MetricsListener metricsListener;
    private final BackendTls backendTls;
    // --- HTTPS (io.tuns.server.tls); all null when --https is off
    private final CertificateStore certificates;
    private final AcmeIssuer acme;
    private final CountryLookup countries;
    private final Duration acmeRenewalCheck;
    private final HttpsFront https;
    /** The HTTPS port people type: --https-port-override, else the bound port once listening. */
    private final AtomicInteger httpsPublicPort = new AtomicInteger(443);
    /** The memory governor: one budget for every byte held on behalf of traffic (--memory-budget). */
    private final MemoryWiring memoryWiring;
    private final MemoryBudget memory;

    /** On-demand certificates come from TUNS_ACME_DIRECTORY_URL (default Let's Encrypt), see {@link AcmeSettings}. */
    public TunsServer(ServerConfig cfg) {
        this(cfg, AcmeSettings.fromEnvironment(System.getenv()));
    }

    public TunsServer(ServerConfig cfg, AcmeSettings acmeSettings) {
        this.memoryWiring = new MemoryWiring(cfg);
        this.memory = memoryWiring.budget();
        this.acmeRenewalCheck = acmeSettings.renewalCheckInterval();
        this.cfg = cfg;
        RouteStore routeStore = cfg.clustered() ? ClusterWiring.openStore(cfg) : null;
        this.registry = routeStore == null ? new TunnelRegistry()
                : new TunnelRegistry(routeStore, cfg.clusterNodeId(), tunnelExecutor, ClusterWiring.WAIT);
        this.metrics = new Metrics(prometheus, cfg.metricsUserLabels());
        this.cluster = routeStore == null ? null
                : new ClusterWiring(cfg, routeStore, registry, prometheus, tunnelExecutor, memory, boss, workers);
        metrics.registerJvmMetrics();
        metrics.memoryBudget(memory);
        this.inspector = new Inspector(cfg, metrics, memory);
        registry.onRemoval(t -> {
            if (t.type() == Tunnel.TunnelType.HTTP && registry.httpTunnel(t.host()).isEmpty()) {
                inspector.tunnelAway(t.host(), t.owner().keyFingerprint());
            }
        });
        this.countries = openCountries(cfg);
        IpFilter ipFilter = IpFilter.of(cfg, countries);
        SniListeners sniListeners = new SniListeners(cfg, ipFilter, registry, boss, workers, memory,
                cluster == null ? null : cluster.hop());
        if (cluster != null) {
            cluster.mirrorPorts(sniListeners, scheduler, boss, workers);
        }
        ConsoleTokenBook consoleTokens = new ConsoleTokenBook(); // shared by the ssh side and the console
        SshContext sshCtx = new SshContext(cfg, registry,
                new ForwardOwnership(new ForwardOwnership.Settings(cfg.domain(), cfg.httpLoadBalancer(),
                        cfg.tcpLoadBalancer(), cfg.aliasLoadBalancer(), cfg.sniLoadBalancer(),
                        cfg.shareNamesAcrossKeys())),
                new NameAllocator(cfg.domain(), cfg.bindRandomSubdomains(), cfg.bindRandomSubdomainsLength(),
                        cfg.bannedSubdomains()),
                new HostPolicy(cfg.domain(), cfg.bindAnyHost(), cfg.bindHosts(), cfg.bindWildcards(),
                        cfg.appendUserToSubdomain(), cfg.appendUserToSubdomainSeparator()),
                new DnsOwnership(cfg.dnsResolver()),
                urls::get, consoleTokens::tokenFor, tunnelExecutor, scheduler,
                new Semaphore(cfg.maxForwardedChannels()), new MetricsEvents(),
                new TcpListeners(cfg, ipFilter, boss, workers, memory,
                        cluster == null ? MirroredPorts.NONE : cluster.ports()), PortRange.parse(cfg.portBindRange()),
                sniListeners, ipFilter, memory);
        this.console = cfg.serviceConsole() || cfg.adminConsole()
                ? new ConsoleRoutes(cfg, inspector, new ConsoleBackendAdapter(registry, this::connections, urls::get,
                        this::httpAddress, consoleTokens, cfg.tcpAddress()), metrics)
                : null;
        this.certificates = cfg.https() ? new CertificateStore(cfg.httpsCertificateDirectory(), cfg.domain(),
                new CertificateMetrics(), cfg.httpsH2()) : null;
        AcmeCoordination acmeShared = cluster == null ? null : cluster.acme();
        this.acme = newAcmeIssuer(acmeSettings, acmeShared);
        TlsHooks tlsHooks = acme == null ? null : new TlsHooks(acme, acmeShared);
        this.requestLog = new RequestLog(new RequestLog.Settings(cfg.timeFormat(), cfg.logHttpRequests(),
                cfg.logToClient(), Arrays.asList(cfg.adminConsoleToken(), cfg.serviceConsoleToken())));
        this.backendTls = new BackendTls(cfg.verifySsl());
        HttpContext httpCtx = new HttpContext(cfg, registry, urls::get, inspector, console == null ? null : console::handle,
                new MetricsEndpoint(metrics, new ScrapeAuth(cfg.adminConsoleToken())), new HttpMetricsEvents(),
                tlsHooks, requestLog, backendTls, ipFilter, memory, cluster == null ? null : cluster.hop(),
                this::notReady);
        this.http = new HttpFront(httpCtx, boss, workers);
        this.https = cfg.https() ? new HttpsFront(httpCtx, certificates, acme, boss, workers) : null;
        if (cluster != null) {
            cluster.listenFor(new ClusterLandings(registry, ch -> HttpFront.installHttp(ch.pipeline(), httpCtx, false),
                    https == null ? null : https::land,
                    new ClusterLandings.Raw(cfg.sshWriteHighWater(), cfg.sshWriteLowWater(), memory)), boss, workers);
        }
        // Last of the fronts: MINA's first touch waits for BouncyCastle, which registers on a thread of its own
        // (SecurityProviders) while everything above is built.
        this.ssh = new SshFront(sshCtx, cluster == null ? null : cluster.aliasHops(workers));
        this.metricsListener = cfg.metricsAddress().isBlank() ? null : newMetricsListener();
    }

    /**
     * --geodb: the country database, memory-mapped. The config loader checked that the file is readable; whether
     * it is a country database is found here, and said in one line naming the flag.
     */
    private static CountryLookup openCountries(ServerConfig cfg) {
        if (!cfg.geodb()) {
            return null;
        }
        try {
            return CountryLookup.open(Path.of(cfg.geodbPath()));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--geodb-path " + cfg.geodbPath() + ": " + e.getMessage());
        }
    }

    /** For /_sish/health: null while serving (listeners up, and in a cluster a granted lease), else why not. */
    private String notReady() {
        if (stopping) {
            return "This node is shutting down.";
        }
        if (!started) {
            return "This node is starting.";
        }
        return cluster == null ? null : cluster.notReady();
    }

    /** The bound --cluster-listen address; throws on a single node. */
    public InetSocketAddress clusterAddress() {
        if (cluster == null) {
            throw new IllegalStateException("no --cluster-store");
        }
        return cluster.address();
    }

    /** @param shared the cluster's challenge answers and order locks; null on a single node (kept in memory) */
    private AcmeIssuer newAcmeIssuer(AcmeSettings settings, AcmeCoordination shared) {
        if (!cfg.httpsOndemandCertificate()) {
            return null;
        }
        if (!cfg.https() || !cfg.httpsOndemandCertificateAcceptTerms()) {
            log.warn("event=acme_off message=\"--https-ondemand-certificate needs --https and "
                    + "--https-ondemand-certificate-accept-terms (you agree to the CA's terms of service); no "
                    + "certificates will be requested.\"");
            return null;
        }
        log.info("event=acme_on directory={}", settings.directory());
        // only names this server routes: the root domain and live HTTP tunnels
        return new AcmeIssuer(settings, certificates,
                host -> host.equals(cfg.domain()) || registry.httpTunnel(host).isPresent(),
                cfg.httpsOndemandCertificateEmail(), Clock.systemUTC(),
                cfg.httpsOndemandCertificateRenewBefore(),
                shared == null ? new LocalAcmeCoordination(Clock.systemUTC()) : shared,
                shared == null ? "local" : cfg.clusterNodeId());
    }

    private MetricsListener newMetricsListener() {
        try {
            return new MetricsListener(cfg.metricsAddress(), metrics, new ScrapeAuth(cfg.adminConsoleToken()));
        } catch (IOException e) {
            throw new ConfigException("--metrics-address: cannot listen on " + cfg.metricsAddress()
                    + ": " + e.getMessage());
        }
    }

    /** The --metrics-address listener, if one is configured. */
    public Optional<InetSocketAddress> metricsAddress() {
        return Optional.ofNullable(metricsListener).map(MetricsListener::address);
    }

    public void start() throws IOException, InterruptedException {
        if (cluster != null) {
            cluster.start(scheduler);
        }
        http.start();
        int port = cfg.httpPortOverride() > 0 ? cfg.httpPortOverride() : http.boundAddress().getPort();
        if (https != null) {
            https.start();
            httpsPublicPort.set(cfg.httpsPortOverride() > 0 ? cfg.httpsPortOverride() : https.boundAddress().getPort());
            certificates.watch(scheduler, cfg.httpsCertificateDirectoryWatchInterval());
            if (acme != null) {
                acme.scheduleRenewal(scheduler, acmeRenewalCheck);
            }
        }
        if (cfg.proxySslTermination()) { // a proxy in front terminates TLS: users see its https port only
            int httpsPort = cfg.httpsPortOverride() > 0 ? cfg.httpsPortOverride() : https != null ? httpsPublicPort.get() : 443;
            urls.set(PublicUrls.behindTlsProxy(port, httpsPort));
        } else if (https != null) {
            urls.set(new PublicUrls(port, httpsPublicPort.get()));
        } else {
            urls.set(new PublicUrls(port));
        }
        ssh.start();
        urls.set(urls.get().withSshPort(ssh.boundAddress().getPort())); // the root page shows the ssh command
        started = true;
        if (metricsListener != null) {
            metricsListener.start();
        }
        memoryWiring.start(scheduler, inspector);
        String warning = ssh.openAccessWarning();
        if (warning != null) {
            log.warn("event=open_access message=\"{}\"", warning);
        }
        if (cfg.debug()) {
            long every = cfg.debugInterval().toMillis();
            scheduler.scheduleWithFixedDelay(new DebugDump(registry, this::connections, inspector), every, every,
                    TimeUnit.MILLISECONDS);
        }
        scheduler.execute(backendTls::prepare); // after listening: start-up does not wait for the JDK's TLS set-up
        log.info("event=started ssh={} http={} https={} domain={}", ssh.boundAddress(), http.boundAddress(),
                https == null ? "off" : https.boundAddress(), cfg.domain());
        if (cfg.adminConsole()) {
            // The token is not printed: the operator set it and the log may be shared.
            log.info("event=admin_console url={}", urls.get().adminConsole(cfg.domain()));
        }
    }

    /**
     * A changed config file ({@link io.tuns.server.config.ReloadPlan#LIVE}): the keys the running parts can take
     * over. {@code --debug}'s log level is the cli's (logback); the rest needs a restart.
     */
    public void reload(ServerConfig fresh) {
        requestLog.reload(fresh.timeFormat(), fresh.logHttpRequests());
    }

    /** The admin console's address for the start-up line (token left out), when --admin-console is on. */
    public Optional<String> adminConsoleUrl() {
        return cfg.adminConsole() ? Optional.of(urls.get().adminConsole(cfg.domain())) : Optional.empty();
    }

    public MemoryBudget memory() {
        return memory;
    }

    public int sshPort() {
        return ssh.boundAddress().getPort();
    }

    public int httpPort() {
        return http.boundAddress().getPort();
    }

    public InetSocketAddress httpAddress() {
        return http.boundAddress();
    }

    /** The bound HTTPS port; throws when --https is off. */
    public int httpsPort() {
        if (https == null) {
            throw new IllegalStateException("--https is off");
        }
        return https.boundAddress().getPort();
    }

    public TunnelRegistry registry() {
        return registry;
    }

    public Metrics metrics() {
        return metrics;
    }

    public Inspector inspector() {
        return inspector;
    }

    public List<ClientConnection> connections() {
        return ssh.connections();
    }

    @Override
    public void close() {
        stopping = true;
        if (cluster != null && started) {
            try {
                NodeDrain.run(() -> {
                    ssh.stopListening();
                    http.close(); // the load balancer's check fails: new connections go to the other nodes
                }, ssh::connections, registry, cfg.clusterDrainTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (cluster != null) {
            cluster.leave();
        }
        try {
            ssh.close();
        } catch (IOException e) {
            log.warn("event=ssh_close_failed error=\"{}\"", e.getMessage());
        }
        http.close();
        if (https != null) {
            https.close();
            certificates.close();
        }
        if (acme != null) {
            acme.close();
        }
        if (metricsListener != null) {
            metricsListener.close();
        }
        if (console != null) {
            console.close();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        tunnelExecutor.shutdownNow();
        scheduler.shutdownNow();
        if (cluster != null) {
            cluster.closeStore();
        }
        if (countries != null) {
            try {
                countries.close();
            } catch (IOException e) {
                // a memory-mapped file: nothing to flush
            }
        }
    }

    /** SSH happenings → Prometheus, with pico's sish_* names. */
    private final class MetricsEvents implements SshEvents {
        @Override
        public void connectionOpened(ClientConnection c) {
            metrics.sshConnectionOpened(c.user(), c.remoteAddress(), c.startedAt().getEpochSecond());
        }

        @Override
        public void connectionClosed(ClientConnection c) {
            metrics.sshConnectionClosed(c.user(), c.remoteAddress());
        }

        @Override
        public void authFailed(String method, String remoteAddress) {
            metrics.sshAuthFailure(method);
        }

        @Override
        public void startupDropped() {
            metrics.sshStartupDropped();
        }

        @Override
        public void tunnelOpened(ClientConnection c, Tunnel t) {
            if (t.type() == Tunnel.TunnelType.HTTP) {
                inspector.tunnelOpened(t.host(), c.keyFingerprint());
            }
            metrics.tunnelOpened(t.type().label(), c.user(), c.remoteAddress(), urls.get().http(t.host()), "");
        }

        @Override
        public void tunnelClosed(ClientConnection c, Tunnel t) {
            metrics.tunnelClosed(t.type().label(), c.user(), c.remoteAddress(), urls.get().http(t.host()), "");
        }

        @Override
        public void forwardRequest(String type, String result) {
            metrics.forwardRequest(type, result);
        }

        @Override
        public void channelOpened() {
            metrics.forwardedChannelOpened();
        }

        @Override
        public void channelClosed() {
            metrics.forwardedChannelClosed();
        }

        @Override
        public void channelOpenFailed(String reason) {
            metrics.channelOpenFailure(reason);
        }
    }

    private final class CertificateMetrics implements CertificateEvents {
        @Override
        public void loaded(String name, long notAfterEpochSeconds) {
            metrics.certificateExpiry(name, notAfterEpochSeconds);
        }

        @Override
        public void removed(String name) {
            metrics.certificateRemoved(name);
        }
    }

    private final class HttpMetricsEvents implements HttpEvents {
        @Override
        public void request(int status, double seconds) {
            metrics.httpRequest(status, seconds);
        }

        @Override
        public void bytes(String direction, long n) {
            metrics.bytes(direction, n);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
