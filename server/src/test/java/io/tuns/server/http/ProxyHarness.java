package io.tuns.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tuns.server.bridge.FakeSshChannel;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ChannelSink;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOwner;
import io.tuns.server.tunnel.TunnelRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One public client connection through the real codec and {@link HttpProxyHandler} on an EmbeddedChannel, with
 * one HTTP tunnel "app.localhost" whose owner is played by the test ({@link FakeSshChannel} per opened channel).
 */
final class ProxyHarness {

    final ServerConfig cfg;
    final TunnelRegistry registry = new TunnelRegistry();
    final List<FakeSshChannel> channels = new ArrayList<>();
    final EmbeddedChannel client;
    private final HttpContext hc;
    private final StringBuilder received = new StringBuilder();
    /** The status of every exchange the handler counted (and would have written an access line for). */
    final List<Integer> counted = new ArrayList<>();

    ProxyHarness(String... flags) {
        List<String> args = new ArrayList<>(List.of("--domain=localhost", "--bind-random-subdomains=false"));
        args.addAll(List.of(flags));
        cfg = ConfigLoader.fromArgs(args.toArray(String[]::new));
        Tunnel tunnel = new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", 80, new Owner(), "token",
                Instant.now());
        registry.claim(tunnel, new ForwardOwnership(ForwardOwnership.Settings.strict("localhost")));
        hc = new HttpContext(cfg, registry, () -> new PublicUrls(80), null, null, null,
                new HttpEvents() {
                    @Override
                    public void request(int status, double seconds) {
                        counted.add(status);
                    }
                }, null, null, null, null);
        client = newClient("203.0.113.7");
    }

    private EmbeddedChannel newClient(String ip) {
        EmbeddedChannel ch = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress(ip, 40000);
            }

            @Override
            protected SocketAddress localAddress0() {
                return new InetSocketAddress("127.0.0.1", 80);
            }
        };
        ch.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(cfg.httpMaxInitialLineLength()).setMaxHeaderSize(cfg.httpMaxHeaderSize())));
        ch.pipeline().addLast(new HttpProxyHandler(hc));
        return ch;
    }

    /** Another public client connection, from {@code ip}, sharing this harness's tunnel and limits. */
    Connection connect(String ip) {
        return new Connection(newClient(ip));
    }

    /** A further client connection. */
    static final class Connection {
        final EmbeddedChannel ch;
        private final StringBuilder got = new StringBuilder();

        Connection(EmbeddedChannel ch) {
            this.ch = ch;
        }

        void sends(String raw) {
            ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
            ch.runPendingTasks();
        }

        String received() {
            ByteBuf b;
            while ((b = ch.readOutbound()) != null) {
                got.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
            return got.toString();
        }
    }

    /** Bytes from the public client; then every task the handler queued on its loop runs. */
    void clientSends(String raw) {
        if (client.isOpen()) {
            client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        }
        settle();
    }

    void settle() {
        client.runPendingTasks();
        client.runPendingTasks();
        if (client.isOpen()) {
            client.flushOutbound();
        }
    }

    /** Everything tuns wrote to the client so far. */
    String clientReceived() {
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            if (b.refCnt() == 0) {
                throw new AssertionError("released before the client took it: " + b);
            }
            received.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return received.toString();
    }

    FakeSshChannel channel(int i) {
        return channels.get(i);
    }

    FakeSshChannel lastChannel() {
        return channels.get(channels.size() - 1);
    }

    boolean reading() {
        return client.config().isAutoRead();
    }

    /** What holds reading, for failure messages. */
    String gate() {
        try {
            Object handler = client.pipeline().get(HttpProxyHandler.class);
            handler = handler != null ? handler : client.pipeline().get(RawRelay.class); // after a 101
            java.lang.reflect.Field f = handler.getClass().getDeclaredField("gate");
            f.setAccessible(true);
            return String.valueOf(f.get(handler));
        } catch (ReflectiveOperationException e) {
            return e.toString();
        }
    }

    void clientCloses() {
        client.close();
        settle();
    }

    ClientShares shares() {
        return hc.shares();
    }

    /** Channels not closed by tuns nor gone. */
    long openChannels() {
        return channels.stream().filter(c -> !c.closed()).count();
    }

    private final class Owner implements TunnelOwner {
        @Override
        public String remoteAddress() {
            return "127.0.0.1:2222";
        }

        @Override
        public String user() {
            return "test";
        }

        @Override
        public String keyFingerprint() {
            return null;
        }

        @Override
        public void openChannel(Tunnel tunnel, InetSocketAddress origin, ChannelSink sink) {
            channels.add(new FakeSshChannel(sink, ProxyHarness.this::settle));
        }

        @Override
        public void message(String line) {
        }

        @Override
        public void closeTunnel(Tunnel tunnel, String why) {
        }

        @Override
        public void tunnelTakenOver(Tunnel tunnel) {
        }
    }
}
