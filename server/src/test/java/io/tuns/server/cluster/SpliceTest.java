package io.tuns.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A splice between two real connections (a client's, accepted by Netty, and one Netty dialled to a far end) carries
 * half-closes both ways after the bytes before them, and closes both channels once both directions are over, with
 * nobody calling close: no channel is left open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpliceTest extends LeakCheckedLoops {

    Channel server;
    ServerSocket far;
    final LinkedBlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void listen() throws Exception {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.add(ch);
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        far = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws Exception {
        server.close().sync();
        far.close();
    }

    /** The client's connection and the far end's, spliced as a hop is: both not reading until the join. */
    Channel[] spliced(Socket client) throws Exception {
        Channel in = accepted.poll(5, TimeUnit.SECONDS);
        Channel out = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                    }
                }).connect(far.getLocalSocketAddress()).sync().channel();
        in.eventLoop().submit(() -> Splice.join(in, out)).sync();
        return new Channel[] {in, out};
    }

    @Test
    void theClientsEofReachesTheFarEndAfterItsBytesAndTheAnswerStillComesBack() throws Exception {
        byte[] data = new byte[2_000_000];
        new Random(3).nextBytes(data);
        CompletableFuture<byte[]> heard = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Socket s = far.accept()) {
                byte[] got = s.getInputStream().readAllBytes(); // until the client's EOF
                heard.complete(got);
                s.getOutputStream().write(("got " + got.length).getBytes(StandardCharsets.US_ASCII));
            } catch (Exception e) {
                heard.completeExceptionally(e);
            }
        });
        t.start();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), ((java.net.InetSocketAddress) server
                .localAddress()).getPort())) {
            Channel[] both = spliced(client);
            client.setSoTimeout(20_000);
            client.getOutputStream().write(data);
            client.shutdownOutput();
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("got " + data.length);
            assertThat(Arrays.equals(heard.get(20, TimeUnit.SECONDS), data)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> !both[0].isOpen() && !both[1].isOpen());
        }
    }

    @Test
    void theFarEndsEofReachesTheClientWhichMaySendOnAndBothCloseOnceBothHalvesAreOver() throws Exception {
        CompletableFuture<Integer> heard = new CompletableFuture<>();
        CompletableFuture<Socket> farSide = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Socket s = far.accept();
                farSide.complete(s);
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput(); // and it does not close: only the splice's close ends the connection
                heard.complete(s.getInputStream().readAllBytes().length);
            } catch (Exception e) {
                heard.completeExceptionally(e);
            }
        });
        t.start();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), ((java.net.InetSocketAddress) server
                .localAddress()).getPort())) {
            Channel[] both = spliced(client);
            client.setSoTimeout(20_000);
            InputStream in = client.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
            assertThat(both[0].isOpen()).as("a half-close is no close").isTrue();
            client.getOutputStream().write(new byte[70_000]);
            client.shutdownOutput();
            assertThat(heard.get(20, TimeUnit.SECONDS)).isEqualTo(70_000);
            await("both channels close once both directions are over").atMost(Duration.ofSeconds(5))
                    .until(() -> !both[0].isOpen() && !both[1].isOpen());
        } finally {
            farSide.getNow(new Socket()).close();
        }
    }

    @Test
    void aClientThatClosesWhileTheFarEndIsSilentEndsBothOnceTheFarEndCloses() throws Exception {
        CompletableFuture<Socket> farSide = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                farSide.complete(far.accept());
            } catch (Exception e) {
                farSide.completeExceptionally(e);
            }
        });
        t.start();
        Channel[] both;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), ((java.net.InetSocketAddress) server
                .localAddress()).getPort())) {
            both = spliced(client);
        }
        Socket s = farSide.get(5, TimeUnit.SECONDS);
        s.setSoTimeout(5_000);
        assertThat(s.getInputStream().read()).as("the client's end arrives as an EOF").isEqualTo(-1);
        s.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !both[0].isOpen() && !both[1].isOpen());
    }
}
