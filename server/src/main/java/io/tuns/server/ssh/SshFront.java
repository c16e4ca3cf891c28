package io.tuns.server.ssh;

import io.tuns.server.access.AuthCallback;
import io.tuns.server.access.SshGate;
import io.tuns.server.access.SshStartups;
import io.tuns.server.access.StartupAdmission;
import io.tuns.server.config.HostPort;
import io.tuns.server.config.MaxStartupsSetting;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.proxyproto.SshProxyAcceptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSH listener: MINA SSHD on its NIO2 backend, with forwarding, sessions and liveness replaced by ours
 * (see research/java-design.md §2). MINA's defaults that would hurt a tunnel server are overridden here.
 */
public final class SshFront implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SshFront.class);

    private final SshServer sshd;
    private final SshContext ctx;
    private final Authentication auth;
    private final CompletableFuture<KeyPairProvider> hostKeys;

    public SshFront(SshContext ctx) {
        this(ctx, null);
    }

    /** @param remoteAliases on a cluster node, opens aliases other nodes hold; null on a single node */
    public SshFront(SshContext ctx, RemoteAliases remoteAliases) {
        this.ctx = ctx;
        ServerConfig cfg = ctx.config();
        SecurityProviders.register(); // before MINA's first security call (cheap after main's background start)
        // first: decrypting the host key overlaps the rest of start-up; start() waits for it
        this.hostKeys = HostKeys.loadInBackground(cfg.privateKeysDirectory(), cfg.privateKeyPassphrase());
        SshGate gate = SshGate.of(cfg, ctx.ipFilter()); // access: IP/country filter and per-IP limits
        this.auth = new Authentication(cfg, ctx.events(), AuthCallback.of(cfg), gate);
        HostPort listen = HostPort.parse(cfg.sshAddress(), "ssh-address");

        sshd = ServerBuilder.builder().factory(ListeningServer::new).build(); // MINA's defaults, as setUpDefaultServer
        // never pick a backend by classpath; adopt the socket main bound early for this address, if any
        EarlySshSocket.Bound early = EarlySshSocket.take(new InetSocketAddress(listen.host(), listen.port()));
        sshd.setIoServiceFactoryFactory(early == null ? new Nio2ServiceFactoryFactory() : EarlyNio2Factory.of(early));
        sshd.setHost(listen.host());
        sshd.setPort(listen.port());
        sshd.setCipherFactories(SshCiphers.parse(cfg.sshCiphers()));
        // --max-startups first: a connection it drops is closed before the server's version line, before any kex
        sshd.addSessionListener(new SshStartups(new StartupAdmission(MaxStartupsSetting.parse(cfg.maxStartups())),
                () -> ThreadLocalRandom.current().nextDouble(), ctx.events()::startupDropped));
        if (SshCiphers.choosePerClient(cfg.sshCiphers())) { // offer each client our first cipher it lists (AES-GCM)
            sshd.setSessionFactory(ReplyingKexSession.factory(sshd));
            sshd.addSessionListener(new ClientCiphers());
        }
        sshd.setPublickeyAuthenticator(auth.publickey());
        sshd.setPasswordAuthenticator(auth.password());
        sshd.addSessionListener(gate); // access: IP filter, per-IP connection and failed-login limits
        // --proxy-protocol-listener: the PROXY header is read before the version line; the gate runs after it
        SshProxyAcceptor.install(sshd, cfg, gate::admit);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setGlobalRequestHandlers(List.of(new GlobalRequestSequencer()));
        sshd.setChannelFactories(List.of(ChannelSessionFactory.INSTANCE,
                new AliasChannelFactory(ctx.registry(), AliasChannelFactory.Settings.of(cfg), ctx.scheduler(),
                        ctx.memory(), remoteAliases)));
        SessionConsole.ConnectionLookup lookup = ch -> ClientConnection.of(ch.getSession());
        sshd.setShellFactory(ch -> new SessionConsole(null, lookup));
        sshd.setCommandFactory((ch, command) -> new SessionConsole(command, lookup));

        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, Duration.ZERO); // liveness is our keepalive, not silence
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, cfg.cleanupUnauthed()
                ? cfg.cleanupUnauthedTimeout() : Duration.ofMinutes(2));
        CoreModuleProperties.TCP_NODELAY.set(sshd, true);
        CoreModuleProperties.WINDOW_SIZE.set(sshd, cfg.sshWindowSize());
        CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(sshd, cfg.maxChannelsPerConnection());
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "tuns");

        Forwards forwards = Forwards.of(ctx);
        sshd.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                session.setAttribute(ClientConnection.KEY, new ClientConnection((ServerSession) session, ctx, forwards));
            }

            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    ClientConnection conn = ClientConnection.of(session);
                    PublicKey key = session.getAttribute(Authentication.CANDIDATE_KEY);
                    if (conn != null) {
                        conn.authenticated(key == null ? null : KeyUtils.getFingerPrint(key),
                                key == null ? null : PublicKeyEntry.toString(key));
                    }
                }
            }

            @Override
            public void sessionClosed(Session session) {
                ClientConnection conn = ClientConnection.of(session);
                if (conn != null) {
                    conn.close();
                }
            }
        });
    }

    /** Printed once at start when access is open to any key (first run) or to anyone. */
    public String openAccessWarning() {
        return auth.openAccessWarning();
    }

    /** Listens; a host key that cannot be read (wrong --private-key-passphrase) is a ConfigException here. */
    public void start() throws IOException {
        sshd.setKeyPairProvider(HostKeys.await(hostKeys));
        sshd.start();
        auth.watch(ctx.scheduler());
        log.info("event=ssh_listening address={}", boundAddress());
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) sshd.getBoundAddresses().iterator().next();
    }

    public List<ClientConnection> connections() {
        return sshd.getActiveSessions().stream()
                .map(ClientConnection::of)
                .filter(c -> c != null && !c.isClosed() && c.isAuthenticatedConnection())
                .toList();
    }

    /** Takes no new connections; the open ones go on (a draining node closes them itself, telling each why). */
    public void stopListening() {
        ((ListeningServer) sshd).stopListening();
    }

    /** MINA's server, with a way to close the listening socket alone. */
    private static final class ListeningServer extends SshServer {
        void stopListening() {
            if (acceptor != null) {
                acceptor.unbind();
            }
        }
    }

    @Override
    public void close() throws IOException {
        sshd.stop(true);
    }
}
