package io.tuns.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.tuns.server.http.HttpsFront;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The store behind a real Netty SNI listener, with certificates made by openssl; handshakes by the JDK client. */
class CertificateStoreTest {

    @TempDir
    Path tmp;
    Path dir;
    Openssl.Ca ca;
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final RecordingEvents events = new RecordingEvents();
    CertificateStore store;
    Channel server;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createDirectories(tmp.resolve("certs"));
        ca = Openssl.ca(tmp, "store");
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        if (store != null) {
            store.close();
        }
        scheduler.shutdownNow();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Openssl.KeyFormat.class)
    void loadsAPairInEveryCommonKeyFormatAndServesItBySni(Openssl.KeyFormat format) throws Exception {
        Openssl.leaf(ca, dir, "app.example.com", format, "app.example.com");
        int port = listen();

        TlsProbe.Handshake hs = TlsProbe.handshake(port, "app.example.com");
        X509Certificate served = hs.leaf();

        assertThat(hs.alpn()).as("--https-h2=false: HTTP/1.1 only, never h2").isEqualTo("http/1.1");
        assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=app.example.com");
        assertThat(served.getIssuerX500Principal().getName()).isEqualTo("CN=store test CA");
        assertThat(events.loaded).containsKey("app.example.com");
        assertThat(events.loaded.get("app.example.com")).isEqualTo(served.getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    void aWildcardCertificateCoversOneLabelAndAnExactCertificateWins() throws Exception {
        Openssl.leaf(ca, dir, "wildcard", Openssl.KeyFormat.PKCS8_EC, "*.example.com");
        Openssl.leaf(ca, dir, "exact", Openssl.KeyFormat.PKCS8_EC, "exact.example.com");
        Openssl.leaf(ca, dir, "root", Openssl.KeyFormat.PKCS8_EC, "example.com");
        int port = listen();

        assertThat(cn(TlsProbe.leaf(port, "foo.example.com"))).isEqualTo("*.example.com");
        assertThat(cn(TlsProbe.leaf(port, "EXACT.example.com"))).isEqualTo("exact.example.com");
        assertThat(store.covers("bar.example.com")).isTrue();
        assertThat(store.covers("a.b.example.com")).as("a wildcard covers one label").isFalse();
        assertThat(cn(TlsProbe.leaf(port, "a.b.example.com"))).as("unknown names get the domain's certificate")
                .isEqualTo("example.com");
        assertThat(cn(TlsProbe.leaf(port, null))).as("no SNI gets the domain's certificate").isEqualTo("example.com");
    }

    @Test
    void withNoCertificateAtAllASelfSignedOneForTheDomainIsServed() throws Exception {
        int port = listen();

        X509Certificate served = TlsProbe.leaf(port, "anything.example.com");

        assertThat(served.getSubjectX500Principal()).isEqualTo(served.getIssuerX500Principal());
        assertThat(CertificatePair.hostsOf(served)).containsExactly("example.com", "*.example.com");
        assertThat(store.covers("anything.example.com")).as("the fallback is not a real certificate").isFalse();
        assertThat(events.loaded).isEmpty();
    }

    @Test
    void replacingACertificateIsServedWithinASecond() throws Exception {
        Openssl.leaf(ca, dir, "app", Openssl.KeyFormat.PKCS8_EC, "app.example.com");
        int port = listen();
        store.watch(scheduler, Duration.ofMillis(100));
        var before = TlsProbe.leaf(port, "app.example.com").getSerialNumber();

        Openssl.leaf(ca, dir, "app", Openssl.KeyFormat.PKCS8_EC, "app.example.com");
        long changed = System.nanoTime();
        var after = before;
        while (after.equals(before) && System.nanoTime() - changed < Duration.ofSeconds(5).toNanos()) {
            Thread.sleep(20);
            after = TlsProbe.leaf(port, "app.example.com").getSerialNumber();
        }

        assertThat(after).isNotEqualTo(before);
        assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void brokenPairsAreSkippedAndTheRestIsServed() throws Exception {
        Openssl.leaf(ca, dir, "good", Openssl.KeyFormat.PKCS8_EC, "good.example.com");
        Openssl.leaf(ca, dir, "other", Openssl.KeyFormat.PKCS8_EC, "other.example.com");
        Files.copy(dir.resolve("good.key"), dir.resolve("other.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");
        Files.writeString(dir.resolve("garbage.key"), "not a key\n");
        Files.copy(dir.resolve("good.crt"), dir.resolve("lonely.crt"));
        int port = listen();

        assertThat(cn(TlsProbe.leaf(port, "good.example.com"))).isEqualTo("good.example.com");
        assertThat(store.covers("other.example.com")).as("key does not match the certificate").isFalse();
        assertThat(events.loaded.keySet()).containsExactly("good");
    }

    @Test
    void aRemovedPairIsReportedAndNoLongerServed() throws Exception {
        Openssl.leaf(ca, dir, "a", Openssl.KeyFormat.PKCS8_EC, "a.example.com");
        Openssl.leaf(ca, dir, "b", Openssl.KeyFormat.PKCS8_EC, "b.example.com");
        store = new CertificateStore(dir, "example.com", events);
        assertThat(store.covers("b.example.com")).isTrue();

        Files.delete(dir.resolve("b.crt"));

        assertThat(store.refresh()).isTrue();
        assertThat(store.refresh()).as("an unchanged listing is not reloaded").isFalse();
        assertThat(store.covers("b.example.com")).isFalse();
        assertThat(events.removed).containsExactly("b");
    }

    @Test
    void aSilentClientDoesNotHoldUpOthersAndAnOversizedClientHelloIsRefused() throws Exception {
        Openssl.leaf(ca, dir, "app", Openssl.KeyFormat.PKCS8_EC, "app.example.com");
        int port = listen();
        try (java.net.Socket silent = new java.net.Socket("127.0.0.1", port);
             java.net.Socket huge = new java.net.Socket("127.0.0.1", port)) {
            long start = System.nanoTime();
            assertThat(cn(TlsProbe.leaf(port, "app.example.com"))).isEqualTo("app.example.com");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            // a handshake record announcing a ClientHello bigger than the cap: closed, not buffered
            int len = HttpsFront.MAX_CLIENT_HELLO_BYTES + 1024;
            byte[] header = {0x16, 0x03, 0x01, (byte) 0x40, 0x00, 0x01, (byte) (len >> 16), (byte) (len >> 8),
                    (byte) len};
            huge.setSoTimeout(5_000);
            huge.getOutputStream().write(header);
            huge.getOutputStream().write(new byte[0x4000 - 4]);
            huge.getOutputStream().flush();
            assertThat(drainUntilClosed(huge)).as("the server closed the connection").isTrue();
        }
    }

    private static boolean drainUntilClosed(java.net.Socket s) throws java.io.IOException {
        try {
            while (s.getInputStream().read() >= 0) {
                // the server may send an alert first
            }
            return true;
        } catch (java.net.SocketException reset) {
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        }
    }

    @Test
    void withH2EveryContextOffersH2FirstAndTheSelfSignedFallbackToo() throws Exception {
        Openssl.leaf(ca, dir, "app.example.com", Openssl.KeyFormat.SEC1_EC, "app.example.com");
        store = new CertificateStore(dir, "example.com", events, true);
        int port = listen();
        assertThat(TlsProbe.handshake(port, "app.example.com").alpn()).isEqualTo("h2");
        server.close().syncUninterruptibly();
        store.close();

        Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty"));
        store = new CertificateStore(empty, "example.com", events, true);
        port = listen();
        TlsProbe.Handshake hs = TlsProbe.handshake(port, "other.example.com");
        assertThat(hs.alpn()).isEqualTo("h2");
        assertThat(cn(hs.leaf())).as("the self-signed fallback").isEqualTo("example.com");
    }

    private int listen() throws InterruptedException {
        if (store == null) {
            store = new CertificateStore(dir, "example.com", events);
        }
        SniSelector selector = new SniSelector(store, null);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new SniHandler(selector, HttpsFront.MAX_CLIENT_HELLO_BYTES,
                                HttpsFront.CLIENT_HELLO_TIMEOUT_MILLIS));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static String cn(X509Certificate c) {
        return c.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    static final class RecordingEvents implements CertificateEvents {
        final Map<String, Long> loaded = new ConcurrentHashMap<>();
        final List<String> removed = new CopyOnWriteArrayList<>();

        @Override
        public void loaded(String name, long notAfterEpochSeconds) {
            loaded.put(name, notAfterEpochSeconds);
        }

        @Override
        public void removed(String name) {
            removed.add(name);
        }
    }
}
