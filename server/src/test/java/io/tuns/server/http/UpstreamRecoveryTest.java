package io.tuns.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.bridge.FakeSshChannel;
import io.tuns.server.bridge.RecordingOwner;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ChannelSink.OpenFailure;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelGroup;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Getting a channel, and another one when the first fails before any answer: each way out either yields a
 * connection that carries the request, or yields none and holds nothing (no channel asked for, no share taken).
 */
class UpstreamRecoveryTest {

    final EmbeddedChannel client = new EmbeddedChannel();
    final RecordingOwner owner = new RecordingOwner(client::runPendingTasks);
    final ServerConfig cfg = ConfigLoader.fromArgs("--domain=localhost");
    final ClientShares shares = new ClientShares(new ClientShares.Settings(4, 50)); // 2 per address
    final List<String> heard = new ArrayList<>();
    /** What the test does inside upstreamFailed, the only place a failover may happen. */
    Function<UpstreamConnection, UpstreamConnection> onFailed = up -> null;
    final AtomicReference<UpstreamConnection> takenOver = new AtomicReference<>();
    final UpstreamConnection.Listener listener = new UpstreamConnection.Listener() {
        public void upstreamOpened(UpstreamConnection up) {
            heard.add("opened " + up.tunnel.bindPort());
        }

        public void upstreamFailed(UpstreamConnection up, OpenFailure failure, String reason) {
            heard.add("failed " + up.tunnel.bindPort());
            takenOver.set(onFailed.apply(up));
        }

        public void upstreamObjects(UpstreamConnection up, List<Object> objects, Runnable release) {
            release.run();
        }

        public void upstreamPaused(UpstreamConnection up, boolean paused) {
        }

        public void upstreamEnded(UpstreamConnection up) {
            heard.add("ended " + up.tunnel.bindPort());
        }
    };
    final UpstreamRecovery recovery = new UpstreamRecovery(client, cfg, shares, null, MemoryBudget.off(), listener);

    Tunnel tunnel(int port) {
        return new Tunnel(Tunnel.TunnelType.HTTP, "app.localhost", "app", port, owner, "t", Instant.now());
    }

    /** A pool of members under one name (--http-load-balancer). */
    TunnelGroup pool(Tunnel... members) {
        TunnelRegistry registry = new TunnelRegistry();
        ForwardOwnership lb = new ForwardOwnership(new ForwardOwnership.Settings("localhost", true, false, false,
                false, false));
        for (Tunnel t : members) {
            registry.claim(t, lb);
        }
        return registry.httpRoute("app.localhost", "/").orElseThrow();
    }

    static ProxyExchange exchange(String method, String... headers) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/x");
        req.headers().set("Host", "app.localhost");
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().set(headers[i], headers[i + 1]);
        }
        ProxyExchange ex = new ProxyExchange(req, "app.localhost");
        ex.clientIp = "203.0.113.7";
        return ex;
    }

    @ParameterizedTest(name = "{0} {1} reused={2} done={3} retried={4} answered={5} -> {6}")
    @CsvSource({
            "GET,    '',                 true,  true,  false, false, true",
            "HEAD,   '',                 true,  true,  false, false, true",
            "GET,    '',                 false, true,  false, false, false", // a fresh channel failed: no second try
            "GET,    '',                 true,  false, false, false, false", // the request was not whole yet
            "GET,    '',                 true,  true,  true,  false, false", // once only
            "GET,    '',                 true,  true,  false, true,  false", // part of an answer went out
            "POST,   '',                 true,  true,  false, false, false",
            "DELETE, '',                 true,  true,  false, false, false",
            "GET,    Content-Length=3,   true,  true,  false, false, false",
            "GET,    Content-Length=0,   true,  true,  false, false, true",
            "GET,    Transfer-Encoding=chunked, true, true, false, false, false",
    })
    void mayRetryOnlyAWholeBodilessGetOrHeadOnce(String method, String header, boolean reused, boolean done,
                                                 boolean retried, boolean answered, boolean expected) {
        ProxyExchange ex = header.isEmpty() ? exchange(method) : exchange(method, header.split("=")[0],
                header.split("=")[1]);
        ex.onReusedUpstream = reused;
        ex.requestDone = done;
        ex.retried = retried;
        if (answered) {
            ex.headRelayed(200);
        }
        assertThat(UpstreamRecovery.mayRetry(ex)).isEqualTo(expected);
    }

    @Test
    void openAsksTheOwnerAndTheShareComesBackWhenTheChannelCloses() {
        UpstreamConnection up = recovery.open(tunnel(80), "203.0.113.7");
        assertThat(owner.channels).hasSize(1);
        up.close();
        assertThat(shares.entries()).isZero();
    }

    @Test
    void openBeyondTheClientsShareAsksForNothing() {
        Tunnel t = tunnel(80);
        recovery.open(t, "203.0.113.7");
        recovery.open(t, "203.0.113.7");
        assertThat(recovery.open(t, "203.0.113.7")).isNull();
        assertThat(owner.channels).hasSize(2);
        assertThat(recovery.open(t, "198.51.100.9")).isNotNull(); // another address has its own share
    }

    @Test
    void retrySendsTheWholeRequestAgainOnAFreshChannel() {
        ProxyExchange ex = exchange("GET");
        UpstreamConnection up = recovery.retry(ex, tunnel(80));
        assertThat(up).isNotNull();
        assertThat(ex.retried).isTrue();
        assertThat(ex.onReusedUpstream).isFalse();
        owner.channels.get(0).open();
        assertThat(owner.channels.get(0).sentToService()).startsWith("GET /x HTTP/1.1").endsWith("\r\n\r\n");
    }

    @Test
    void retryBeyondTheShareYieldsNothingButStillCountsAsTheRetry() {
        Tunnel t = tunnel(80);
        recovery.open(t, "203.0.113.7");
        recovery.open(t, "203.0.113.7");
        ProxyExchange ex = exchange("GET");
        assertThat(recovery.retry(ex, t)).isNull();
        assertThat(ex.retried).isTrue();
        assertThat(owner.channels).hasSize(2);
    }

    @Test
    void failoverMovesTheEncodedRequestToAnotherMember() {
        Tunnel a = tunnel(1);
        Tunnel b = tunnel(2);
        ProxyExchange ex = exchange("POST", "Content-Length", "6");
        ex.group = pool(a, b);
        onFailed = up -> recovery.failover(ex, up);
        UpstreamConnection first = recovery.open(a, ex.clientIp);
        first.send(ex.request);
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        UpstreamConnection next = takenOver.get();
        assertThat(next).isNotNull();
        assertThat(next.tunnel).isSameAs(b);
        assertThat(owner.members).containsExactly(a, b);
        assertThat(shares.entries()).isEqualTo(1); // the one share moved along with the request
        FakeSshChannel other = owner.channels.get(1);
        other.open();
        next.send(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(other.sentToService()).startsWith("POST /x HTTP/1.1");
        next.close();
        assertThat(shares.entries()).isZero();
    }

    @Test
    void failoverWhenEveryMemberFailedYieldsNothingAndHoldsNothing() {
        Tunnel a = tunnel(1);
        Tunnel b = tunnel(2);
        ProxyExchange ex = exchange("GET");
        ex.group = pool(a, b);
        onFailed = up -> recovery.failover(ex, up);
        recovery.open(a, ex.clientIp).send(ex.request);
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        assertThat(takenOver.get()).isNotNull();
        owner.channels.get(1).refuse(OpenFailure.TIMEOUT);
        assertThat(takenOver.get()).isNull();
        assertThat(ex.failedMembers).containsExactly(a, b);
        assertThat(heard).containsExactly("failed 1", "ended 1", "failed 2", "ended 2");
        assertThat(owner.channels).hasSize(2);
        assertThat(shares.entries()).isZero(); // the last failed open gave the share back
    }

    @Test
    void failoverWithoutAPoolYieldsNothing() {
        ProxyExchange ex = exchange("GET");
        onFailed = up -> recovery.failover(ex, up);
        recovery.open(tunnel(80), ex.clientIp);
        owner.channels.get(0).refuse(OpenFailure.REFUSED);
        assertThat(takenOver.get()).isNull();
        assertThat(owner.channels).hasSize(1);
        assertThat(shares.entries()).isZero();
    }
}
