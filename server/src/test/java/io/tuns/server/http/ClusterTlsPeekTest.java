package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tuns.server.cluster.ClusterEvents;
import io.tuns.server.cluster.ClusterHop;
import io.tuns.server.tunnel.LocalRouteStore;
import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.TunnelRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that leaves while its TLS connection is being passed to another node: the dial to the owner is not
 * left behind. The owner is a silent socket (it never answers the hop: a fault a real node does not produce).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterTlsPeekTest {

    static byte[] clientHello(String name) throws Exception {
        SSLEngine e = SSLContext.getDefault().createSSLEngine(name, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(name)));
        e.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    @Test
    void aClientLeavingMidPeekLeavesNoHopBehind() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket silentOwner = new ServerSocket(0)) {
            LocalRouteStore store = new LocalRouteStore();
            store.join("self", "", Duration.ofMinutes(5));
            store.join("o1", "127.0.0.1:" + silentOwner.getLocalPort(), Duration.ofMinutes(5));
            store.claim("http|x.example.com", new RouteHolder("o1", "SHA256:k"), false);
            ClusterHop hop = new ClusterHop(store, "self", Duration.ofSeconds(1), ClusterEvents.NONE, null);
            BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted.add(ch);
                            ch.pipeline().addLast("cluster-sni", new ClusterTlsPeek(new TunnelRegistry(), hop, false));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            try (Socket client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort())) {
                client.getOutputStream().write(clientHello("x.example.com"));
                client.getOutputStream().flush();
                try (Socket hopConn = silentOwner.accept()) { // the entry dialled the owner for x.example.com
                    client.close(); // and the client leaves before the owner answered
                    Channel ingress = accepted.poll(5, TimeUnit.SECONDS);
                    await().atMost(Duration.ofSeconds(5)).until(() -> !ingress.isOpen());
                    hopConn.setSoTimeout(5000);
                    InputStream in = hopConn.getInputStream();
                    in.readNBytes(16); // the PROXY v2 signature and header start; the rest may follow
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    int b = 0;
                    while (b >= 0 && System.nanoTime() < end) {
                        b = in.read();
                    }
                    assertThat(b).as("the entry closed its hop once the owner did not answer").isEqualTo(-1);
                }
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
