package io.tuns.server.inspect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InspectorTest {

    private static final String HOST = "myapp.localhost";

    private static HttpRequest get(String uri) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        r.headers().set("Host", HOST).set("Authorization", "Bearer secret-token").set("Cookie", "sid=abc")
                .set("Accept", "*/*");
        return r;
    }

    private static void body(ExchangeRecorder r, int bytes, boolean request) {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[bytes]);
        if (request) {
            r.requestContent(buf);
        } else {
            r.responseContent(buf);
        }
        buf.release();
    }

    private static ExchangeRecorder complete(Inspector inspector, String host, int requestBytes, int responseBytes) {
        ExchangeRecorder r = inspector.begin(host, "127.0.0.1", get("/x"));
        body(r, requestBytes, true);
        r.requestEnd(null);
        DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("Set-Cookie", "sid=def").set("Content-Type", "text/plain");
        r.responseHead(resp);
        body(r, responseBytes, false);
        r.responseEnd(null);
        return r;
    }

    private static Subscription view(Inspector inspector, String host) {
        return inspector.subscribe(host, (exchange, event) -> { });
    }

    @Test
    void recordsNothingWhenConsolesAreOff() {
        Inspector inspector = new Inspector(TestConfigs.config("serviceConsole", false, "adminConsole", false),
                TestConfigs.metrics());
        assertThat(inspector.begin(HOST, "1.2.3.4", get("/"))).isSameAs(ExchangeRecorder.NOOP);
        assertThat(inspector.exchanges(HOST)).isEmpty();
    }

    @Test
    void keepsSummariesButNoBodiesWithoutAViewer() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        complete(inspector, HOST, 1000, 2000);
        Exchange e = inspector.exchanges(HOST).get(0);
        assertThat(e.state()).isEqualTo(ExchangeState.COMPLETE);
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.requestBody().observedBytes()).isEqualTo(1000);
        assertThat(e.requestBody().storedBytes()).isZero();
        assertThat(e.requestBody().truncation()).isEqualTo(Truncation.OFF);
        assertThat(e.responseBody().observedBytes()).isEqualTo(2000);
    }

    @Test
    void capturesBodiesWhileAViewerIsAttachedOrAlways() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        List<ExchangeListener.Event> events = new ArrayList<>();
        inspector.subscribe(HOST, (exchange, event) -> events.add(event));
        complete(inspector, HOST, 1000, 2000);
        Exchange e = inspector.exchanges(HOST).get(0);
        assertThat(e.requestBody().storedBytes()).isEqualTo(1000);
        assertThat(e.responseBody().storedBytes()).isEqualTo(2000);
        assertThat(events).containsExactly(ExchangeListener.Event.STARTED, ExchangeListener.Event.RESPONDED,
                ExchangeListener.Event.ENDED);

        Inspector always = new Inspector(TestConfigs.config("inspectAlways", true), TestConfigs.metrics());
        complete(always, HOST, 10, 20);
        assertThat(always.exchanges(HOST).get(0).responseBody().storedBytes()).isEqualTo(20);
    }

    @Test
    void redactsSecretsBeforeStoringThem() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        complete(inspector, HOST, 0, 0);
        Exchange e = inspector.exchanges(HOST).get(0);
        assertThat(Exchange.header(e.requestHeaders(), "authorization")).isEqualTo(HeaderField.REDACTED);
        assertThat(Exchange.header(e.requestHeaders(), "cookie")).isEqualTo(HeaderField.REDACTED);
        assertThat(Exchange.header(e.requestHeaders(), "accept")).isEqualTo("*/*");
        assertThat(Exchange.header(e.responseHeaders(), "set-cookie")).isEqualTo(HeaderField.REDACTED);
        assertThat(e.requestHeaders().toString()).doesNotContain("secret-token").doesNotContain("sid=abc");

        Inspector custom = new Inspector(TestConfigs.config("inspectRedactHeaders", List.of("Accept")),
                TestConfigs.metrics());
        complete(custom, HOST, 0, 0);
        Exchange c = custom.exchanges(HOST).get(0);
        assertThat(Exchange.header(c.requestHeaders(), "accept")).isEqualTo(HeaderField.REDACTED);
        assertThat(Exchange.header(c.requestHeaders(), "authorization")).isEqualTo("Bearer secret-token");
    }

    @Test
    void evictsTheOldestBeyondTheCountBound() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectMaxExchangesPerTunnel", 5), TestConfigs.metrics());
        view(inspector, HOST);
        for (int i = 0; i < 12; i++) {
            complete(inspector, HOST, 100, 100);
        }
        List<Exchange> kept = inspector.exchanges(HOST);
        assertThat(kept).hasSize(5);
        assertThat(kept.get(0).id()).isGreaterThan(kept.get(4).id()); // newest first
        assertThat(inspector.capturedBytes()).isEqualTo(inspector.capturedBytes(HOST));
        long perExchange = kept.get(0).chargedBytes();
        assertThat(inspector.capturedBytes()).isEqualTo(5 * perExchange);
    }

    @Test
    void evictsCompletedExchangesToStayUnderTheTunnelByteBound() {
        long maxBytesPerTunnel = 200_000;
        Inspector inspector = new Inspector(TestConfigs.config("inspectMaxBytesPerTunnel", maxBytesPerTunnel),
                TestConfigs.metrics());
        view(inspector, HOST);
        for (int i = 0; i < 30; i++) {
            complete(inspector, HOST, 30_000, 30_000);
            assertThat(inspector.capturedBytes(HOST)).isLessThanOrEqualTo(maxBytesPerTunnel);
        }
        List<Exchange> kept = inspector.exchanges(HOST);
        assertThat(kept.size()).isBetween(2, 4);
        // the newest is whole: room was made by evicting the oldest, not by truncating the new one
        assertThat(kept.get(0).responseBody().truncated()).isFalse();
    }

    @Test
    void underGlobalPressureTheTunnelHoldingTheMostIsEvictedFirst() {
        long budgetBytes = 400_000;
        Inspector inspector = new Inspector(TestConfigs.config("inspectMaxTotalBytes", budgetBytes,
                "inspectMaxBytesPerTunnel", 1_000_000L), TestConfigs.metrics());
        view(inspector, "big.localhost");
        view(inspector, "small.localhost");
        view(inspector, "new.localhost");
        for (int i = 0; i < 5; i++) {
            complete(inspector, "big.localhost", 30_000, 30_000);
        }
        complete(inspector, "small.localhost", 20_000, 20_000);
        long smallBefore = inspector.capturedBytes("small.localhost");
        long bigBefore = inspector.capturedBytes("big.localhost");
        assertThat(bigBefore + smallBefore).isLessThanOrEqualTo(budgetBytes);

        complete(inspector, "new.localhost", 50_000, 50_000);
        complete(inspector, "new.localhost", 50_000, 50_000);

        assertThat(inspector.capturedBytes()).isLessThanOrEqualTo(budgetBytes);
        assertThat(inspector.capturedBytes("small.localhost")).isEqualTo(smallBefore);
        assertThat(inspector.capturedBytes("big.localhost")).isLessThan(bigBefore);
        assertThat(inspector.exchanges("new.localhost").get(0).responseBody().truncated()).isFalse();
    }

    /** Past the memory budget's pressure mark capture gives up completed history first, so traffic gets the room. */
    @Test
    void underMemoryPressureCaptureGivesWayToTraffic() {
        io.tuns.server.memory.MemoryBudget memory = io.tuns.server.memory.MemoryBudget.of(10_000_000);
        Inspector inspector = new Inspector(TestConfigs.config("inspectMaxBytesPerTunnel", 5_000_000L),
                TestConfigs.metrics(), memory);
        view(inspector, HOST);
        for (int i = 0; i < 10; i++) {
            complete(inspector, HOST, 100_000, 100_000);
        }
        long captured = inspector.capturedBytes();
        assertThat(captured).as("10 exchanges, 64 KiB of each body").isGreaterThan(1_000_000);
        assertThat(inspector.yieldToTraffic()).as("below the pressure mark capture keeps its history").isZero();

        // traffic brings the total to 500 000 above the 6 000 000 pressure mark: capture gives that much back
        memory.reserve(io.tuns.server.memory.MemoryBudget.Kind.QUEUED_WRITES, 6_500_000 - captured);
        assertThat(inspector.yieldToTraffic()).isGreaterThanOrEqualTo(500_000);
        assertThat(inspector.capturedBytes()).isLessThanOrEqualTo(captured - 500_000).isPositive();
        assertThat(memory.inUse(io.tuns.server.memory.MemoryBudget.Kind.CAPTURE)).isEqualTo(inspector.capturedBytes());
        assertThat(memory.underPressure()).isFalse();
    }

    @Test
    void aClosedTunnelFreesItsHistoryAndDetachesViewers() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        boolean[] closed = {false};
        inspector.subscribe(HOST, new ExchangeListener() {
            @Override public void exchange(Exchange exchange, Event event) { }
            @Override public void tunnelClosed() { closed[0] = true; }
        });
        ExchangeRecorder open = inspector.begin(HOST, "127.0.0.1", get("/stream"));
        body(open, 5000, true);
        complete(inspector, HOST, 5000, 5000);
        assertThat(inspector.capturedBytes()).isPositive();

        inspector.tunnelClosed(HOST);

        assertThat(closed[0]).isTrue();
        assertThat(inspector.capturedBytes()).isZero();
        assertThat(inspector.exchanges(HOST)).isEmpty();
        body(open, 5000, true); // a late write from the proxy is harmless
        open.aborted("closed");
        assertThat(inspector.capturedBytes()).isZero();
    }

    @Test
    void callsAfterTheEndAreIgnoredAndAbortMayRepeat() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        view(inspector, HOST);
        ExchangeRecorder r = inspector.begin(HOST, "127.0.0.1", get("/"));
        r.responseHead(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE));
        r.responseEnd(new DefaultHttpHeaders());
        body(r, 100, true); // the request body still flows after an early response
        r.aborted("client went away");
        r.aborted("again");
        body(r, 100, true);
        r.requestEnd(null);
        Exchange e = inspector.exchanges(HOST).get(0);
        assertThat(e.state()).isEqualTo(ExchangeState.ABORTED);
        assertThat(e.abortReason()).isEqualTo("client went away");
        assertThat(e.requestBody().observedBytes()).isEqualTo(100);
    }

    @Test
    void anUpgradeEndsTheExchangeAndStopsCapture() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        view(inspector, HOST);
        ExchangeRecorder r = inspector.begin(HOST, "127.0.0.1", get("/ws"));
        r.requestEnd(null);
        r.responseHead(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        r.upgraded();
        body(r, 100, false);
        Exchange e = inspector.exchanges(HOST).get(0);
        assertThat(e.state()).isEqualTo(ExchangeState.UPGRADED);
        assertThat(e.responseBody().storedBytes()).isZero();
        assertThat(e.responseBody().truncation()).isEqualTo(Truncation.UPGRADED);
    }

    @Test
    void aReconnectWithTheSameKeyFindsItsHistoryWithinTheKeepTime() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectAlways", true,
                "inspectHistoryKeep", java.time.Duration.ofMinutes(10)), TestConfigs.metrics());
        inspector.tunnelOpened(HOST, "SHA256:a");
        complete(inspector, HOST, 100, 200);
        long id = inspector.exchanges(HOST).get(0).id();
        long held = inspector.capturedBytes();
        boolean[] told = {false};
        ExchangeListener viewer = new ExchangeListener() {
            @Override public void exchange(Exchange e, Event ev) { }
            @Override public void tunnelClosed() { told[0] = true; }
        };
        inspector.subscribe(HOST, viewer);

        inspector.tunnelAway(HOST, "SHA256:a");
        assertThat(told[0]).as("viewers are told the tunnel left").isTrue();
        assertThat(inspector.viewers(HOST)).isZero();
        assertThat(inspector.capturedBytes()).as("still held, inside the budget").isEqualTo(held);

        inspector.tunnelOpened(HOST, "SHA256:a");
        assertThat(inspector.exchanges(HOST)).extracting(Exchange::id).containsExactly(id);
        complete(inspector, HOST, 1, 1);
        assertThat(inspector.exchanges(HOST)).hasSize(2);
    }

    @Test
    void anotherKeyOrNoKeyNeverSeesALeftHistory() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectAlways", true,
                "inspectHistoryKeep", java.time.Duration.ofMinutes(10)), TestConfigs.metrics());
        inspector.tunnelOpened(HOST, "SHA256:a");
        complete(inspector, HOST, 100, 200);
        inspector.tunnelAway(HOST, "SHA256:a");
        inspector.tunnelOpened(HOST, "SHA256:b");
        assertThat(inspector.exchanges(HOST)).isEmpty();
        assertThat(inspector.capturedBytes()).isZero();

        complete(inspector, HOST, 100, 200);
        inspector.tunnelAway(HOST, "SHA256:b");
        inspector.tunnelOpened(HOST, null);
        assertThat(inspector.exchanges(HOST)).as("a password login takes no keyed history").isEmpty();

        complete(inspector, HOST, 100, 200);
        inspector.tunnelAway(HOST, null);
        assertThat(inspector.exchanges(HOST)).as("a keyless tunnel's history is freed at once").isEmpty();
        assertThat(inspector.capturedBytes()).isZero();
    }

    @Test
    void aHistoryAwayLongerThanTheKeepTimeIsFreed() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectAlways", true,
                "inspectHistoryKeep", java.time.Duration.ofMinutes(10)), TestConfigs.metrics());
        inspector.tunnelOpened(HOST, "k");
        complete(inspector, HOST, 100, 200);
        inspector.tunnelAway(HOST, "k");
        inspector.expireAway(System.nanoTime() + java.time.Duration.ofMinutes(9).toNanos());
        assertThat(inspector.exchanges(HOST)).hasSize(1);
        inspector.expireAway(System.nanoTime() + java.time.Duration.ofMinutes(11).toNanos());
        assertThat(inspector.exchanges(HOST)).isEmpty();
        assertThat(inspector.capturedBytes()).isZero();
        assertThat(inspector.historyCount()).isZero();

        Inspector noKeep = new Inspector(TestConfigs.config("inspectAlways", true,
                "inspectHistoryKeep", java.time.Duration.ZERO), TestConfigs.metrics());
        noKeep.tunnelOpened(HOST, "k");
        complete(noKeep, HOST, 100, 200);
        noKeep.tunnelAway(HOST, "k");
        assertThat(noKeep.exchanges(HOST)).as("keep time 0: dropped at once").isEmpty();
        assertThat(noKeep.capturedBytes()).isZero();
    }

    @Test
    void awayHistoriesAreBoundedInNumberAndTheLongestAwayGoesFirst() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectAlways", true,
                "inspectHistoryKeep", java.time.Duration.ofMinutes(10)), TestConfigs.metrics());
        int n = Inspector.MAX_AWAY_HISTORIES + 5;
        for (int i = 0; i < n; i++) {
            String host = "t" + i + ".localhost";
            inspector.tunnelOpened(host, "k");
            complete(inspector, host, 10, 10);
            inspector.tunnelAway(host, "k");
        }
        assertThat(inspector.historyCount()).isEqualTo(Inspector.MAX_AWAY_HISTORIES);
        assertThat(inspector.exchanges("t0.localhost")).isEmpty();
        assertThat(inspector.exchanges("t" + (n - 1) + ".localhost")).hasSize(1);
    }

    @Test
    void awayHistoriesStayInsideTheGlobalBudget() {
        Inspector inspector = new Inspector(TestConfigs.config("inspectAlways", true, "inspectMaxTotalBytes", 64L * 1024,
                "inspectHistoryKeep", java.time.Duration.ofMinutes(10)), TestConfigs.metrics());
        inspector.tunnelOpened("old.localhost", "k");
        for (int i = 0; i < 5; i++) {
            complete(inspector, "old.localhost", 8000, 0);
        }
        inspector.tunnelAway("old.localhost", "k");
        inspector.tunnelOpened(HOST, "k");
        for (int i = 0; i < 5; i++) {
            complete(inspector, HOST, 8000, 0);
            assertThat(inspector.capturedBytes()).isLessThanOrEqualTo(64L * 1024);
        }
        assertThat(inspector.exchanges(HOST).get(0).requestBody().storedBytes())
                .as("the away history made room for the live one").isEqualTo(8000);
    }

    @Test
    void aReplaySentFromTheConsoleIsMarkedWithItsOriginalOnce() {
        Inspector inspector = new Inspector(TestConfigs.config(), TestConfigs.metrics());
        complete(inspector, HOST, 0, 0);
        Exchange original = inspector.exchanges(HOST).get(0);
        inspector.expectReplay(original, "POST", "/x");
        inspector.begin(HOST, "10.1.1.1", get("/x"));
        assertThat(inspector.exchanges(HOST).get(0).replayOf()).as("not from loopback").isZero();
        inspector.begin(HOST, "127.0.0.1", get("/other"));
        assertThat(inspector.exchanges(HOST).get(0).replayOf()).as("another target").isZero();
        inspector.begin(HOST, "127.0.0.1", get("/x"));
        assertThat(inspector.exchanges(HOST).get(0).replayOf()).isEqualTo(original.id());
        inspector.begin(HOST, "127.0.0.1", get("/x"));
        assertThat(inspector.exchanges(HOST).get(0).replayOf()).as("consumed").isZero();
    }

    @Test
    void expectedReplaysAreBoundedAndExpire() {
        ExpectedReplays replays = new ExpectedReplays();
        for (int i = 0; i < ExpectedReplays.MAX_ENTRIES + 10; i++) {
            replays.expect(HOST, "GET", "/" + i, i + 1, 0);
        }
        assertThat(replays.size()).isEqualTo(ExpectedReplays.MAX_ENTRIES);
        assertThat(replays.match(HOST, "GET", "/0", "127.0.0.1", 1)).as("oldest dropped").isZero();
        assertThat(replays.match(HOST, "GET", "/20", "127.0.0.1", 1)).isEqualTo(21);
        assertThat(replays.match(HOST, "GET", "/30", "::1", ExpectedReplays.TTL_NANOS + 1)).as("expired").isZero();
    }
}
