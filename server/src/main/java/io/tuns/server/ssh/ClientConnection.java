package io.tuns.server.ssh;

import io.tuns.server.bridge.ChannelSink;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.console.ConsoleTokenBook;
import io.tuns.server.console.ConsoleTokens;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import io.tuns.server.tunnel.HttpBinding;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tcp.TcpPortAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per ssh connection state: its tunnels, the options from its command line, the replies it is owed, the
 * messages for its session, its timers. Forward decisions wait (≤ 1 s) for the exec that may carry options,
 * then run in arrival order on the tunnel executor; nothing here blocks a MINA thread.
 */
public final class ClientConnection implements TunnelOwner {

    static final AttributeKey<ClientConnection> KEY = new AttributeKey<>();
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    /** Console tokens come from the console's own generator (crypto-random), so there is one definition. */
    private static final ConsoleTokens TOKENS = new ConsoleTokens();

    private final ServerSession session;
    private final SshContext ctx;
    private final ServerConfig cfg;
    private final ReplyQueue replies;
    private final SessionMessages messages;
    private final Instant startedAt = Instant.now();
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    private final java.util.Map<Tunnel, String> tcpKeys = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Tunnel, String> sniListens = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger openChannels = new AtomicInteger();
    private final AtomicBoolean sessionSeen = new AtomicBoolean();
    private final AtomicInteger forwardRequests = new AtomicInteger();

    private volatile boolean closed;
    private volatile String keyFingerprint;
    private volatile String publicKey;
    private volatile SessionOptions options = SessionOptions.parse(null);
    private volatile long lastPongNanos = System.nanoTime();

    // Forwards wait for the exec/shell that may carry options; guarded by "this".
    private boolean gateOpen;
    private final List<Runnable> waitingForGate = new ArrayList<>();
    private ScheduledFuture<?> gateTimer;
    private ScheduledFuture<?> pingTask;
    private ScheduledFuture<?> deadlineTask;

    ClientConnection(ServerSession session, SshContext ctx) {
        this.session = session;
        this.ctx = ctx;
        this.cfg = ctx.config();
        this.replies = new ReplyQueue(session);
        this.messages = new SessionMessages(cfg.sessionMessageQueue());
    }

    static ClientConnection of(Session session) {
        return session == null ? null : session.getAttribute(KEY);
    }

    // ------------------------------------------------------------------ identity

    @Override
    public String remoteAddress() {
        // read each time: with --proxy-protocol-listener the PROXY header's source is set after this object exists
        return format(session.getClientAddress());
    }

    @Override
    public String user() {
        String u = session.getUsername();
        return u == null ? "" : u;
    }

    @Override
    public String keyFingerprint() {
        return keyFingerprint;
    }

    public String publicKey() {
        return publicKey;
    }

    public String clientVersion() {
        String v = session.getClientVersion();
        return v == null ? "" : v;
    }

    public String sessionId() {
        return Integer.toHexString(System.identityHashCode(session));
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** A per-session command's value ({@code ssh host key=value}), or null. */
    public String option(String key) {
        return options.get(key);
    }

    public List<Tunnel> tunnels() {
        return List.copyOf(tunnels);
    }

    void authenticated(String fingerprint, String publicKeyLine) {
        this.keyFingerprint = fingerprint;
        this.publicKey = publicKeyLine;
        startPings();
        scheduleUnboundCleanup();
        ctx.events().connectionOpened(this);
    }

    /** sish's --cleanup-unbound: a connection that asked for no forward in time (and is no -L/-W user) goes. */
    private void scheduleUnboundCleanup() {
        if (!cfg.cleanupUnbound()) {
            return;
        }
        ctx.scheduler().schedule(() -> {
            if (!closed && forwardRequests.get() == 0 && !options.flag("local-forward")) {
                messages.send("No forwarding requests sent. Closing connection.");
                ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
            }
        }, cfg.cleanupUnboundTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ global requests

    ReplyQueue replies() {
        return replies;
    }

    void requestForward(String bindAddress, int port, ReplyQueue.Slot slot) {
        forwardRequests.incrementAndGet();
        afterGate(() -> allocate(bindAddress, port, slot));
    }

    void cancelForward(String bindAddress, int port, ReplyQueue.Slot slot) {
        afterGate(() -> {
            Tunnel found = null;
            for (Tunnel t : tunnels) {
                if (t.bindAddress().equals(bindAddress) && t.bindPort() == port) {
                    found = t;
                    break;
                }
            }
            if (found != null) {
                removeTunnel(found);
            }
            replies.complete(slot, found != null, -1);
            if (options.flag("auto-close") && tunnels.isEmpty()) {
                messages.send("No forwarding requests sent. Closing connection.");
                session.close(false);
            }
        });
    }

    private void afterGate(Runnable decision) {
        synchronized (this) {
            if (!gateOpen) {
                waitingForGate.add(decision);
                if (gateTimer == null) {
                    gateTimer = ctx.scheduler().schedule(this::openGate,
                            cfg.forwardOptionsWait().toMillis(), TimeUnit.MILLISECONDS);
                    long grace = Math.min(NO_SESSION_GRACE.toMillis(), cfg.forwardOptionsWait().toMillis());
                    ctx.scheduler().schedule(this::openGateUnlessASessionIsOpen, grace, TimeUnit.MILLISECONDS);
                }
                return;
            }
        }
        ctx.tunnelExecutor().execute(decision);
    }

    /**
     * OpenSSH sends its session channel open right behind its forward requests, without waiting for their replies.
     * No session channel this long after a forward means {@code ssh -N}: no options will come.
     */
    static final java.time.Duration NO_SESSION_GRACE = java.time.Duration.ofMillis(200);

    private void openGateUnlessASessionIsOpen() {
        if (session.getService(org.apache.sshd.common.session.ConnectionService.class)
                instanceof org.apache.sshd.common.session.helpers.AbstractConnectionService acs
                && acs.getChannels().stream().noneMatch(c -> c instanceof org.apache.sshd.server.channel.ChannelSession)) {
            openGate();
        }
    }

    /** The client said it opens no session channel (ssh -N): no options will come, forwards go ahead now. */
    void noSessionComing() {
        openGate();
    }

    private void openGate() {
        List<Runnable> ready;
        synchronized (this) {
            if (gateOpen) {
                return;
            }
            gateOpen = true;
            if (gateTimer != null) {
                gateTimer.cancel(false);
            }
            ready = List.copyOf(waitingForGate);
            waitingForGate.clear();
        }
        ready.forEach(ctx.tunnelExecutor()::execute); // a single-thread executor keeps arrival order
    }

    private void allocate(String bindAddress, int port, ReplyQueue.Slot slot) {
        if (closed) {
            replies.complete(slot, false, -1);
            return;
        }
        if (tunnels.size() >= cfg.maxForwardsPerConnection()) {
            refuse(slot, "http", "This connection already has " + tunnels.size()
                    + " forwards, the most this server allows (--max-forwards-per-connection).");
            return;
        }
        switch (ForwardKind.of(bindAddress, port, options, cfg)) {
            case HTTP -> allocateHttp(bindAddress, port, slot, false);
            case HTTPS -> allocateHttp(bindAddress, port, slot, true);
            case TCP -> allocateTcp(bindAddress, port, slot);
            case ALIAS -> allocateAlias(bindAddress, port, slot);
            case SNI -> allocateSni(bindAddress, port, slot);
        }
    }

    /** Registers a claimed tunnel with this connection, unless the connection dropped meanwhile. */
    private boolean adopt(Tunnel tunnel, ReplyQueue.Slot slot, int replyPort) {
        tunnels.add(tunnel);
        if (closed) { // the connection dropped while we decided: leak nothing (sish PR #374)
            removeTunnel(tunnel);
            replies.complete(slot, false, -1);
            return false;
        }
        replies.complete(slot, true, replyPort);
        ctx.events().forwardRequest(tunnel.type().label(), "ok");
        ctx.events().tunnelOpened(this, tunnel);
        log.info("event=tunnel_opened type={} host={} client={} user={}", tunnel.type().label(), tunnel.host(),
                remoteAddress(), user());
        return true;
    }

    private void allocateHttp(String bindAddress, int port, ReplyQueue.Slot slot, boolean backendTls) {
        Tunnel tunnel = claimHost(bindAddress, port, slot, backendTls);
        if (tunnel != null && adopt(tunnel, slot, port == 0 ? 80 : -1)) {
            printForwardBlock(tunnel, port);
        }
    }

    private void allocateTcp(String bindAddress, int port, ReplyQueue.Slot slot) {
        TunnelOptions opts = new TunnelOptions("", null, null, null, false, false, proxyProtocolVersion());
        if (cfg.tcpLoadBalancer() && port != 0 && !cfg.bindRandomPorts() && joinTcpGroup(bindAddress, port, opts, slot)) {
            return;
        }
        TunnelRegistry registry = ctx.registry();
        TcpPortAllocator.Result r = new TcpPortAllocator(cfg, ctx.tcpListeners(), ctx.portRange())
                .bind(bindAddress, port, options.get("tcp-address"), (tunnelRef, tried) -> {
                    Tunnel t = tunnelRef.get(); // load-balanced members share the listener: pick per connection
                    return t == null ? null : registry.group(Tunnel.TunnelType.TCP, t.routeKey())
                            .map(g -> g.nextExcept(tried)).orElse(null);
                });
        if (r.failure() != null) {
            refuse(slot, "tcp", r.failure());
            return;
        }
        r.notices().forEach(messages::send);
        int actual = TcpListeners.port(r.server());
        // OpenSSH matches forwarded-tcpip on the port it asked for, or on the allocated one if it asked for 0
        Tunnel tunnel = new Tunnel(Tunnel.TunnelType.TCP, cfg.domain() + ":" + actual, bindAddress,
                port == 0 ? actual : port, this, "", Instant.now(), opts);
        r.tunnelRef().set(tunnel);
        if (registry.claim(tunnel) != TunnelRegistry.Claim.CLAIMED) {
            r.server().close();
            refuse(slot, "tcp", "The TCP port " + actual + " is unavailable.");
            return;
        }
        ctx.tcpListeners().adopt(tunnel.routeKey(), r.server());
        tcpKeys.put(tunnel, tunnel.routeKey());
        if (adopt(tunnel, slot, port == 0 ? actual : -1)) {
            printTcpBlock(port, actual);
        }
    }

    /** --tcp-load-balancer: a second client asking for a port already forwarded shares its listener. */
    private boolean joinTcpGroup(String bindAddress, int port, TunnelOptions opts, ReplyQueue.Slot slot) {
        String key = cfg.domain() + ":" + port;
        if (!ctx.registry().isTaken(Tunnel.TunnelType.TCP, key)) {
            return false;
        }
        Tunnel t = new Tunnel(Tunnel.TunnelType.TCP, key, bindAddress, port, this, "", Instant.now(), opts);
        if (ctx.registry().claim(t, true) == TunnelRegistry.Claim.TAKEN) {
            return false;
        }
        if (!ctx.tcpListeners().join(key)) { // its listener closed meanwhile: bind anew
            ctx.registry().remove(t);
            return false;
        }
        tcpKeys.put(t, key);
        if (adopt(t, slot, -1)) {
            messages.send("The TCP port " + port + " is shared: connections are balanced between its tunnels.");
            printTcpBlock(port, port);
        }
        return true;
    }

    private void printTcpBlock(int requested, int actual) {
        messages.send("Starting SSH Forwarding service for tcp:" + requested
                + ". Forwarded connections can be accessed via the following methods:");
        messages.send("TCP: " + cfg.domain() + ":" + actual);
    }

    /** TLS passthrough: the name routes ClientHellos on a listener shared by all SNI tunnels on that port. */
    private void allocateSni(String bindAddress, int port, ReplyQueue.Slot slot) {
        String name = HttpBinding.hostPart(bindAddress);
        String host = name.endsWith("." + cfg.domain()) ? name : ctx.names().hostFor(name);
        String listenHost = options.get("tcp-address") != null && !cfg.forceTcpAddress()
                ? options.get("tcp-address") : cfg.tcpAddress();
        Tunnel tunnel = new Tunnel(Tunnel.TunnelType.SNI, host, bindAddress, port, this, "", Instant.now(),
                new TunnelOptions("", null, null, null, false, false, proxyProtocolVersion()));
        TunnelRegistry.Claim claim = ctx.registry().claim(tunnel, cfg.sniLoadBalancer());
        if (claim == TunnelRegistry.Claim.TAKEN) {
            refuse(slot, "sni", "The TLS name " + host + " is unavailable: it is in use by another connection.");
            return;
        }
        boolean onHttpsPort = cfg.https() && cfg.sniProxyHttps()
                && (port == 443 || port == io.tuns.server.config.HostPort.parse(cfg.httpsAddress(), "https-address").port());
        try {
            if (!onHttpsPort) { // with --sni-proxy-https the HTTPS listener routes port 443's names itself
                ctx.sniListeners().acquire(listenHost, port);
            }
        } catch (Exception e) {
            ctx.registry().remove(tunnel);
            refuse(slot, "sni", "The TLS port " + port + " cannot be opened: " + e.getMessage());
            return;
        }
        if (!onHttpsPort) {
            sniListens.put(tunnel, listenHost);
        }
        if (adopt(tunnel, slot, -1)) {
            messages.send("Starting SSH Forwarding service for tls:" + port
                    + ". Forwarded connections can be accessed via the following methods:");
            messages.send("TLS: " + host + ":" + (onHttpsPort ? ctx.urls().get().httpsPort() : port));
        }
    }

    private void allocateAlias(String bindAddress, int port, ReplyQueue.Slot slot) {
        String requested = bindAddress.toLowerCase(java.util.Locale.ROOT);
        String reason = null;
        if (cfg.bindRandomAliases()) {
            reason = "random aliases are enforced on this server";
        } else if (cfg.bannedAliases().contains(requested + ":" + port) || requested.isEmpty()) {
            reason = "it is reserved";
        }
        Tunnel tunnel = null;
        if (reason == null) {
            Tunnel t = new Tunnel(Tunnel.TunnelType.ALIAS, requested + ":" + port, bindAddress, port, this, "",
                    Instant.now());
            TunnelRegistry.Claim claim = ctx.registry().claim(t, cfg.aliasLoadBalancer());
            if (claim != TunnelRegistry.Claim.TAKEN) {
                tunnel = t;
            } else {
                reason = "it is in use by another connection";
            }
        }
        if (tunnel == null) {
            if (cfg.forceRequestedAliases()) {
                refuse(slot, "alias", "The alias " + requested + ":" + port + " is unavailable: " + reason + ".");
                return;
            }
            if (!cfg.bindRandomAliases()) {
                messages.send("The alias " + requested + " is unavailable. Assigning a random alias.");
            }
            for (int attempt = 0; attempt < 64 && tunnel == null; attempt++) {
                String name = ctx.names().randomName(attempt);
                // the client matches forwarded-tcpip on what it sent, so the random name is only the public key
                Tunnel t = new Tunnel(Tunnel.TunnelType.ALIAS, name + ":" + port, bindAddress, port, this, "",
                        Instant.now());
                if (ctx.registry().claim(t) == TunnelRegistry.Claim.CLAIMED) {
                    tunnel = t;
                }
            }
            if (tunnel == null) {
                refuse(slot, "alias", "No free random alias was found; try again.");
                return;
            }
        }
        if (adopt(tunnel, slot, -1)) {
            messages.send("Starting SSH Forwarding service for alias:" + port
                    + ". Forwarded connections can be accessed via the following methods:");
            messages.send("TCP Alias: " + tunnel.host());
        }
    }

    private Tunnel claimHost(String bindAddress, int port, ReplyQueue.Slot slot, boolean backendTls) {
        var names = ctx.names();
        TunnelRegistry registry = ctx.registry();
        HttpBinding binding = HttpBinding.parse(bindAddress);
        TunnelOptions opts = backendTls ? httpOptions(binding).withBackendTls() : httpOptions(binding);
        String requested = names.requestedName(binding.name());
        if (requested == null && cfg.bindRootDomain() && !cfg.bindRandomSubdomains()
                && (binding.name().isEmpty() || binding.name().equals("*"))) {
            Tunnel root = newTunnel(cfg.domain(), bindAddress, port, opts); // -R '*:80:…' with --bind-root-domain
            if (registry.claim(root, cfg.httpLoadBalancer()) != TunnelRegistry.Claim.TAKEN) {
                return root;
            }
        }
        if (requested != null) {
            boolean wildcard = ctx.hosts().isAllowedWildcard(requested);
            String reason = wildcard && !cfg.bindRandomSubdomains() ? names.refusalReason(requested.substring(2))
                    : names.refusalReason(requested);
            if (reason == null) {
                boolean dnsVerified = cfg.verifyDns() && requested.contains(".") && !requested.startsWith("*.")
                        && ctx.dns().owns(requested, keyFingerprint);
                Tunnel t = newTunnel(ctx.hosts().hostFor(requested, user(), dnsVerified), bindAddress, port, opts);
                TunnelRegistry.Claim claim = registry.claim(t, cfg.httpLoadBalancer());
                if (claim == TunnelRegistry.Claim.TAKEN_OVER) {
                    messages.send("The subdomain " + requested + " was held by an earlier connection with your key;"
                            + " it has been moved to this connection.");
                } else if (claim == TunnelRegistry.Claim.JOINED) {
                    messages.send("The subdomain " + requested + " is shared: requests are balanced between its tunnels.");
                }
                if (claim != TunnelRegistry.Claim.TAKEN) {
                    return t;
                }
                reason = "it is in use by another connection";
            }
            if (cfg.forceRequestedSubdomains()) {
                refuse(slot, "http", "The subdomain " + requested + " is unavailable: " + reason + ".");
                return null;
            }
            if (!cfg.bindRandomSubdomains()) {
                messages.send("The subdomain " + requested + " is unavailable. Assigning a random subdomain.");
            }
        }
        for (int attempt = 0; attempt < 64; attempt++) {
            Tunnel t = newTunnel(names.hostFor(names.randomName(attempt)), bindAddress, port, opts);
            if (registry.claim(t, false) == TunnelRegistry.Claim.CLAIMED) {
                return t;
            }
        }
        refuse(slot, "http", "No free random subdomain was found; try again.");
        return null;
    }

    /** The tunnel's HTTP options: its bind address's user:pass@ and /path, and this connection's commands. */
    private TunnelOptions httpOptions(HttpBinding b) {
        boolean auth = b.user() != null && cfg.bindHttpAuth();
        if (b.user() != null && !cfg.bindHttpAuth()) {
            messages.send("Basic auth tunnels are disabled on this server (--bind-http-auth=false); the credentials are ignored.");
        }
        String path = cfg.bindHttpPath() ? b.path() : "";
        if (!b.path().isEmpty() && !cfg.bindHttpPath()) {
            messages.send("Path tunnels are disabled on this server (--bind-http-path=false); the path is ignored.");
        }
        boolean strip = cfg.stripHttpPath() && (options.get("strip-path") == null || options.flag("strip-path"));
        String hostHeader = cfg.rewriteHostHeader() ? options.get("host-header") : null;
        boolean forceHttps = options.flag("force-https") && cfg.forceHttps();
        return new TunnelOptions(path, auth ? b.user() : null, auth ? b.password() : null, hostHeader, strip,
                forceHttps, proxyProtocolVersion());
    }

    /** sish: the server's version unless it is "userdefined", then the user's 1 or 2; 0 when off. */
    private int proxyProtocolVersion() {
        String asked = options.get("proxy-protocol") != null ? options.get("proxy-protocol") : options.get("proxyproto");
        if (!cfg.proxyProtocol() || asked == null) {
            return 0;
        }
        String v = cfg.proxyProtocolVersion().equals("userdefined") ? asked : cfg.proxyProtocolVersion();
        return v.equals("2") ? 2 : 1;
    }

    private Tunnel newTunnel(String host, String bindAddress, int port, TunnelOptions opts) {
        String token = cfg.serviceConsoleToken().isEmpty() ? ConsoleTokenBook.shared().tokenFor(host, keyFingerprint) : cfg.serviceConsoleToken();
        return new Tunnel(Tunnel.TunnelType.HTTP, host, bindAddress, port, this, token, Instant.now(), opts);
    }

    private void refuse(ReplyQueue.Slot slot, String type, String why) {
        messages.send(why);
        ctx.events().forwardRequest(type, why.contains("unavailable") ? "conflict" : "denied");
        log.info("event=forward_refused client={} reason=\"{}\"", remoteAddress(), why);
        replies.complete(slot, false, -1);
    }

    private void printForwardBlock(Tunnel tunnel, int port) {
        var urls = ctx.urls().get();
        messages.send("Starting SSH Forwarding service for " + (tunnel.options().backendTls() ? "https:" : "http:") + port
                + ". Forwarded connections can be accessed via the following methods:");
        if (cfg.serviceConsole() && cfg.serviceConsoleToken().isEmpty()) {
            messages.send("Service console can be accessed here: " + urls.console(tunnel.host(), tunnel.consoleToken()));
        }
        String path = tunnel.options().path();
        String auth = tunnel.options().needsAuth() ? "  (basic auth: user " + tunnel.options().user() + ")" : "";
        if (urls.showsHttp()) {
            messages.send("HTTP: " + urls.http(tunnel.host()) + path + auth);
            urls.https(tunnel.host()).ifPresent(u -> messages.send("HTTPS: " + u + path));
        } else { // --proxy-ssl-termination: only the proxy's https URL reaches us
            urls.https(tunnel.host()).ifPresent(u -> messages.send("HTTPS: " + u + path + auth));
        }
    }

    // ------------------------------------------------------------------ the user's session channel

    void sessionStarted(String commandLine, IoOutputStream out) {
        if (!sessionSeen.compareAndSet(false, true)) {
            // A second session channel or exec: sish crashes here; we keep the first one's options.
            messages.attach(out);
            messages.send("This connection already has a session; its options stay as they were.");
            return;
        }
        messages.attach(out);
        SessionOptions parsed = SessionOptions.parse(commandLine);
        options = parsed;
        messages.send(cfg.welcomeMessage());
        messages.send("");
        parsed.problems().forEach(messages::send);
        parsed.values().forEach((k, v) -> messages.send(ack(k, v)));
        String deadline = parsed.get("deadline");
        if (deadline != null) {
            scheduleDeadline(SessionOptions.parseDeadline(deadline, Instant.now()));
        }
        openGate();
    }

    private static String ack(String key, String value) {
        return switch (key) {
            case "deadline" -> "Deadline for connection set to: " + value;
            case "auto-close" -> "Auto close for connection set to: " + value;
            case "local-forward" -> "Local forward for connection set to: " + value;
            default -> key + " for connection set to: " + value;
        };
    }

    private void scheduleDeadline(Instant at) {
        long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
        deadlineTask = ctx.scheduler().schedule(() -> {
            messages.send("Connection deadline reached. Closing connection.");
            // let the message reach the user before the connection goes
            ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void message(String line) {
        messages.send(line);
    }

    // ------------------------------------------------------------------ channels

    @Override
    public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
        if (closed || session.isClosing()) {
            sink.onOpenFailed(ChannelSink.OpenFailure.CLOSED, "the tunnel's ssh connection is closing");
            sink.onClosed();
            return;
        }
        if (openChannels.incrementAndGet() > cfg.maxChannelsPerConnection()) {
            openChannels.decrementAndGet();
            ctx.events().channelOpenFailed("limit");
            sink.onOpenFailed(ChannelSink.OpenFailure.LIMIT, "this tunnel has " + cfg.maxChannelsPerConnection()
                    + " connections open, the most allowed (--max-channels-per-connection)");
            sink.onClosed();
            return;
        }
        if (!ctx.forwardedChannels().tryAcquire()) {
            openChannels.decrementAndGet();
            ctx.events().channelOpenFailed("limit");
            sink.onOpenFailed(ChannelSink.OpenFailure.LIMIT, "the server has " + cfg.maxForwardedChannels()
                    + " tunnel connections open, the most allowed (--max-forwarded-channels)");
            sink.onClosed();
            return;
        }
        ctx.events().channelOpened();
        if (cfg.logToClient() && tunnel.type() != Tunnel.TunnelType.HTTP) { // HTTP requests get their own line
            message("Accepted connection from " + origin.getAddress().getHostAddress() + ":" + origin.getPort()
                    + " -> " + tunnel.host());
        }
        ChannelSink counted = new CountedSink(sink);
        ForwardedTcpipChannel ch = new ForwardedTcpipChannel(tunnel.bindAddress(), tunnel.bindPort(),
                origin.getAddress().getHostAddress(), origin.getPort(), counted);
        ForwardedTcpipChannel.open(session, ch, ctx.scheduler(), cfg.channelOpenTimeout());
    }

    /** Gives the channel slots back exactly once, whatever way the channel ends. */
    private final class CountedSink implements ChannelSink {
        private final ChannelSink inner;
        private final AtomicBoolean released = new AtomicBoolean();

        CountedSink(ChannelSink inner) {
            this.inner = inner;
        }

        @Override
        public void onOpen(IoOutputStream toClient, org.apache.sshd.common.Closeable channel) {
            inner.onOpen(toClient, channel);
        }

        @Override
        public void onOpenFailed(OpenFailure failure, String reason) {
            ctx.events().channelOpenFailed(failure == OpenFailure.TIMEOUT ? "timeout"
                    : failure == OpenFailure.REFUSED ? "refused" : "closed");
            inner.onOpenFailed(failure, reason);
        }

        @Override
        public void onData(byte[] data, Runnable release) {
            inner.onData(data, release);
        }

        @Override
        public void onEof() {
            inner.onEof();
        }

        @Override
        public void onClosed() {
            if (released.compareAndSet(false, true)) {
                openChannels.decrementAndGet();
                ctx.forwardedChannels().release();
                ctx.events().channelClosed();
            }
            inner.onClosed();
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void tunnelTakenOver(Tunnel tunnel) {
        tunnels.remove(tunnel);
        ctx.events().tunnelClosed(this, tunnel);
        messages.send("Your tunnel " + tunnel.host() + " was taken over by a new connection with the same key.");
        if (tunnels.isEmpty()) {
            ctx.scheduler().schedule(() -> session.close(false), 200, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void closeTunnel(Tunnel tunnel, String why) {
        afterGate(() -> {
            if (tunnels.contains(tunnel)) {
                removeTunnel(tunnel);
                messages.send("Your tunnel " + tunnel.host() + " was " + why + ".");
            }
        });
    }

    private void removeTunnel(Tunnel t) {
        if (tunnels.remove(t)) {
            ctx.registry().remove(t);
            String tcpKey = tcpKeys.remove(t);
            if (tcpKey != null) {
                ctx.tcpListeners().release(tcpKey);
            }
            String sniHost = sniListens.remove(t);
            if (sniHost != null) {
                ctx.sniListeners().release(sniHost, t.bindPort());
            }
            ctx.events().tunnelClosed(this, t);
            log.info("event=tunnel_closed type={} host={} client={}", t.type().label(), t.host(), remoteAddress());
        }
    }

    /** Drops every route at once; called when the ssh connection ends for any reason. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (this) {
            gateOpen = true;
            waitingForGate.clear();
            if (gateTimer != null) {
                gateTimer.cancel(false);
            }
        }
        for (Tunnel t : tunnels) {
            removeTunnel(t);
        }
        if (pingTask != null) {
            pingTask.cancel(false);
        }
        if (deadlineTask != null) {
            deadlineTask.cancel(false);
        }
        if (keyFingerprint != null || session.isAuthenticated()) {
            ctx.events().connectionClosed(this);
        }
    }

    public boolean isAuthenticatedConnection() {
        return session.isAuthenticated();
    }

    public boolean isClosed() {
        return closed;
    }

    public void disconnect() {
        session.close(false);
    }

    /** sish's ping-client: a want-reply request; any reply (OpenSSH sends FAILURE) proves the client alive. */
    private void startPings() {
        if (!cfg.pingClient()) {
            return;
        }
        long interval = cfg.pingClientInterval().toMillis();
        long deadAfterNanos = TimeUnit.MILLISECONDS.toNanos(interval + cfg.pingClientTimeout().toMillis());
        lastPongNanos = System.nanoTime();
        pingTask = ctx.scheduler().scheduleAtFixedRate(() -> {
            if (closed) {
                return;
            }
            if (System.nanoTime() - lastPongNanos > deadAfterNanos) {
                log.info("event=client_unresponsive client={} action=disconnect", remoteAddress());
                session.close(true);
                return;
            }
            try {
                Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, 32);
                b.putString("keepalive@sish");
                b.putBoolean(true);
                session.request(b, "keepalive@sish", (cmd, buf) -> lastPongNanos = System.nanoTime());
            } catch (IOException | RuntimeException e) {
                session.close(true);
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
    }


    private static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
