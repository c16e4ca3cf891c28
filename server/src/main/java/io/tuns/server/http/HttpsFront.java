package io.tuns.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.tuns.server.tcp.SniRouter;
import io.tuns.server.config.HostPort;
import io.tuns.server.tls.AcmeIssuer;
import io.tuns.server.tls.CertificateStore;
import io.tuns.server.tls.SniSelector;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public HTTPS listener ({@code --https-address}): TLS terminated with the certificate chosen by SNI, then the
 * same HTTP handlers as the plain listener, or HTTP/2 ({@link H2Connection}) when the client chose h2 by ALPN
 * ({@code --https-h2}). The ClientHello is read per connection on its event loop, under a size
 * cap and a deadline, so a silent client never holds up other accepts.
 */
public final class HttpsFront implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpsFront.class);

    /** Fits post-quantum ClientHellos; Netty's default would buffer up to 16 MiB per connection. */
    public static final int MAX_CLIENT_HELLO_BYTES = 16 * 1024;
    /** How long a client may take to send its ClientHello before the connection is closed. */
    public static final long CLIENT_HELLO_TIMEOUT_MILLIS = 10_000;

    private final HttpContext hc;
    private final SniSelector selector;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private Channel server;

    /** @param issuer null when on-demand certificates are off */
    public HttpsFront(HttpContext hc, CertificateStore store, AcmeIssuer issuer, EventLoopGroup boss,
                      EventLoopGroup workers) {
        this.hc = hc;
        this.selector = new SniSelector(store, issuer);
        this.boss = boss;
        this.workers = workers;
    }

    public void start() throws InterruptedException {
        HostPort listen = HostPort.parse(hc.config().httpsAddress(), "https-address");
        ServerBootstrap b = HttpFront.publicListener(boss, workers)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (io.tuns.server.proxyproto.ProxyProtocolHandler.defer(ch, hc.config(), this, "https")) {
                            return; // --proxy-protocol-listener: runs again once the PROXY header is settled
                        }
                        if (hc.config().sniProxy() && hc.config().sniProxyHttps()) { // sish --sni-proxy-https
                            ch.pipeline().addLast("sni-passthrough", SniRouter.sharingHttpsPort(hc.registry(), hc.config(), hc.memory()));
                        }
                        if (hc.cluster() != null) { // a name held on another node: spliced there still encrypted
                            ch.pipeline().addLast("cluster-sni", new ClusterTlsPeek(hc.registry(), hc.cluster(),
                                    hc.config().sniProxy() && hc.config().sniProxyHttps()));
                        }
                        terminate(ch, null);
                    }
                });
        server = b.bind(listen.host(), listen.port()).sync().channel();
        log.info("event=https_listening address={}", boundAddress());
    }

    /**
     * TLS with the certificate chosen by SNI, then HTTP/1.1 or h2.
     *
     * @param arrivedFor the SNI name another node passed this connection here for, or null on the public listener
     */
    private void terminate(Channel ch, String arrivedFor) {
        ch.pipeline().addLast("sni", new SniHandler(selector, MAX_CLIENT_HELLO_BYTES, CLIENT_HELLO_TIMEOUT_MILLIS));
        if (hc.config().httpsH2()) {
            ch.pipeline().addLast("alpn", new AlpnSwitch(hc, arrivedFor)); // h2 or HTTP/1.1 once TLS is up
        } else {
            installHttp(ch, hc, arrivedFor);
        }
    }

    /**
     * The HTTP/1.1 handlers; on a connection passed here by SNI, with the 421 for other names. On the public
     * listener of a cluster node a request whose route another node holds hops there, request by request, as on
     * the plain listener (a name with path routes only, or paths on several nodes: {@link TlsEntry}).
     */
    static void installHttp(Channel ch, HttpContext hc, String arrivedFor) {
        HttpFront.installHttp(ch.pipeline(), hc, arrivedFor == null);
        if (arrivedFor != null && ch.pipeline().get("proxy") != null) {
            ch.pipeline().addBefore("proxy", "misdirected", new MisdirectedGuard(hc.registry(), arrivedFor));
        }
    }

    /**
     * A TLS connection another node passed here for {@code route} (an HTTP route key): terminated here, as on
     * the public listener, never peeked again (one hop at most).
     */
    public void land(Channel ch, String route) {
        String host = route.substring(route.indexOf('|') + 1);
        int slash = host.indexOf('/');
        terminate(ch, slash < 0 ? host : host.substring(0, slash));
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
    }
}
