package io.tuns.server.inspect;

import io.netty.handler.codec.http.HttpRequest;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.metrics.Metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Entry point of request inspection: hands the proxy a recorder per request, owns the global capture budget and
 * every tunnel's history. With the service console on, bodies are captured whether or not a tab is open
 * ({@code --inspect-always}, the default: the budget bounds it); with {@code --inspect-always=false} only while a
 * viewer is attached (or for a short grace after, so a page reload loses nothing). Summaries and heads are kept
 * whenever a console is enabled. Nothing here blocks: a full budget truncates.
 */
public final class Inspector {

    /** Histories of departed tunnels kept at once; beyond it the longest-away one goes first. */
    static final int MAX_AWAY_HISTORIES = 64;
    /** Expired away histories are looked for at most this often on the request path. */
    static final long AWAY_SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Bodies keep being captured this long after the last viewer left: long enough for a reload. */
    static final long BODY_CAPTURE_GRACE_AFTER_LAST_VIEWER_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final boolean enabled;
    private final boolean inspectAlways;
    private final long maxCaptureBytesPerBody;
    private final int maxExchangesPerTunnel;
    private final long maxBytesPerTunnel;
    private final CaptureBudget budget;
    private final HeaderRedactor redactor;
    private final BodyRenderer renderer;
    private final Metrics metrics;
    private final MemoryBudget memory;
    private final ConcurrentHashMap<String, TunnelHistory> histories = new ConcurrentHashMap<>();
    private final AtomicLong exchangeIds = new AtomicLong();
    private final long historyKeepNanos;
    private final ExpectedReplays expectedReplays = new ExpectedReplays();
    private final AtomicLong nextAwaySweepNanos = new AtomicLong(System.nanoTime());

    public Inspector(ServerConfig config, Metrics metrics) {
        this(config, metrics, MemoryBudget.off());
    }

    /** @param memory the server's memory budget: captures and console renders are counted in it and give way first */
    public Inspector(ServerConfig config, Metrics metrics, MemoryBudget memory) {
        this.memory = memory;
        this.enabled = config.serviceConsole() || config.adminConsole();
        // Only the service console shows bodies, so only it makes capturing them without a viewer worth the bytes.
        this.inspectAlways = config.inspectAlways() && config.serviceConsole();
        long perBody = config.serviceConsoleMaxContentLength();
        // -1 means "only the global budget bounds a body"; the per-tunnel bound still applies through the account.
        this.maxCaptureBytesPerBody = perBody < 0 ? Long.MAX_VALUE : perBody;
        this.maxExchangesPerTunnel = config.inspectMaxExchangesPerTunnel();
        this.maxBytesPerTunnel = config.inspectMaxBytesPerTunnel();
        this.budget = new CaptureBudget(Math.max(0, config.inspectMaxTotalBytes()), memory);
        this.redactor = new HeaderRedactor(config.inspectRedactHeaders());
        this.renderer = new BodyRenderer(config.inspectMaxRenderedBytes());
        this.metrics = metrics;
        this.historyKeepNanos = config.inspectHistoryKeep() == null ? 0 : config.inspectHistoryKeep().toNanos();
        metrics.captureBudget(budget::inUseBytes, budget.limitBytes());
    }

    /** The server's memory budget (the console counts its renders in it). */
    public MemoryBudget memory() {
        return memory;
    }

    /** Called on each proxied request head, on an event loop. Never blocks. */
    public ExchangeRecorder begin(String tunnelHost, String clientIp, HttpRequest request) {
        return begin(tunnelHost, clientIp, request, request.protocolVersion().text());
    }

    /**
     * As {@link #begin(String, String, HttpRequest)}, with the protocol the client spoke when it differs from the
     * request object's ("HTTP/2.0": an h2 stream reaches the proxy converted to HTTP/1.1 objects).
     */
    public ExchangeRecorder begin(String tunnelHost, String clientIp, HttpRequest request, String clientProtocol) {
        if (!enabled || tunnelHost == null || request == null) {
            return ExchangeRecorder.NOOP;
        }
        long now = System.nanoTime();
        sweepAwayIfDue(now);
        TunnelHistory history = histories.computeIfAbsent(tunnelHost, this::newHistory);
        boolean bodies = maxCaptureBytesPerBody != 0
                && (inspectAlways || history.hasViewer(now, BODY_CAPTURE_GRACE_AFTER_LAST_VIEWER_NANOS));
        BodyCapture.TruncationListener truncations = reason -> {
            if (!reason.metricReason().isEmpty()) {
                metrics.captureTruncated(reason.metricReason());
            }
        };
        Exchange exchange = new Exchange(exchangeIds.incrementAndGet(), tunnelHost, clientIp,
                System.currentTimeMillis(), now, request.method().name(), request.uri(),
                clientProtocol,
                bodies ? new BodyCapture(maxCaptureBytesPerBody, history, truncations, false) : BodyCapture.off(),
                bodies ? new BodyCapture(maxCaptureBytesPerBody, history, truncations, false) : BodyCapture.off(),
                history);
        exchange.replayOf(expectedReplays.match(tunnelHost, exchange.method(), exchange.uri(), clientIp, now));
        if (!exchange.chargeAndKeepRequestHead(redactor.split(request.headers()))) {
            metrics.captureTruncated(Truncation.BUDGET.metricReason());
        }
        if (!history.add(exchange)) {
            return ExchangeRecorder.NOOP;
        }
        history.publish(exchange, ExchangeListener.Event.STARTED);
        return new LiveRecorder(exchange, history, redactor);
    }

    /**
     * An HTTP tunnel took this name. A history left by the same key is taken back (same exchanges, same ids); one
     * left by another key, or by a client without one, is freed first: it is not theirs to see.
     */
    public void tunnelOpened(String tunnelHost, String keyFingerprint) {
        long now = System.nanoTime();
        expireAway(now);
        TunnelHistory h = histories.get(tunnelHost);
        if (h != null && h.isAway() && !h.ownedBy(keyFingerprint)) {
            if (histories.remove(tunnelHost, h)) {
                h.close();
            }
            h = null;
        }
        (h != null ? h : histories.computeIfAbsent(tunnelHost, this::newHistory)).back(keyFingerprint);
    }

    /**
     * The last HTTP tunnel on this name left. Its history is kept for {@code --inspect-history-keep} so the same key
     * can reconnect to it; without a key, or with a keep time of 0, it is freed at once.
     */
    public void tunnelAway(String tunnelHost, String keyFingerprint) {
        TunnelHistory h = histories.get(tunnelHost);
        if (h == null) {
            return;
        }
        if (historyKeepNanos <= 0 || keyFingerprint == null || keyFingerprint.isEmpty()) {
            tunnelClosed(tunnelHost);
            return;
        }
        long now = System.nanoTime();
        h.away(now, keyFingerprint);
        expireAway(now);
    }

    /** Frees away histories older than the keep time, and the longest-away ones beyond {@link #MAX_AWAY_HISTORIES}. */
    void expireAway(long nowNanos) {
        // Snapshot the times: a history may come back while we sort, which would break the comparator's contract.
        record Away(TunnelHistory history, long sinceNanos) { }
        List<Away> away = new ArrayList<>();
        for (TunnelHistory h : histories.values()) {
            long since = h.awaySinceNanos();
            if (h.isAway()) {
                if (nowNanos - since >= historyKeepNanos) {
                    drop(h);
                } else {
                    away.add(new Away(h, since));
                }
            }
        }
        if (away.size() > MAX_AWAY_HISTORIES) {
            away.sort(Comparator.comparingLong(Away::sinceNanos));
            away.subList(0, away.size() - MAX_AWAY_HISTORIES).forEach(a -> drop(a.history()));
        }
    }

    private void sweepAwayIfDue(long nowNanos) {
        long due = nextAwaySweepNanos.get();
        if (nowNanos - due >= 0 && nextAwaySweepNanos.compareAndSet(due, nowNanos + AWAY_SWEEP_INTERVAL_NANOS)) {
            expireAway(nowNanos);
        }
    }

    private void drop(TunnelHistory h) {
        if (histories.remove(h.host(), h)) {
            h.close();
        }
    }

    /** Number of histories held, live or away (for tests and the debug dump). */
    int historyCount() {
        return histories.size();
    }

    /** The console is about to send a replay of {@code original}: the exchange it produces is marked as one. */
    public void expectReplay(Exchange original, String method, String uri) {
        expectedReplays.expect(original.tunnelHost(), method, uri, original.id(), System.nanoTime());
    }

    /** Frees the tunnel's history and detaches its viewers. */
    public void tunnelClosed(String tunnelHost) {
        TunnelHistory history = histories.remove(tunnelHost);
        if (history != null) {
            history.close();
        }
    }

    /** Bytes currently charged to the global budget. */
    public long capturedBytes() {
        return budget.inUseBytes();
    }

    public long captureBudgetBytes() {
        return budget.limitBytes();
    }

    public boolean enabled() {
        return enabled;
    }

    public BodyRenderer renderer() {
        return renderer;
    }

    /** Newest first; empty when the tunnel has no history. */
    public List<Exchange> exchanges(String tunnelHost) {
        TunnelHistory h = histories.get(tunnelHost);
        return h == null ? List.of() : h.snapshot();
    }

    public Optional<Exchange> exchange(String tunnelHost, long id) {
        TunnelHistory h = histories.get(tunnelHost);
        return h == null ? Optional.empty() : h.find(id);
    }

    /** Attaches a live listener (a console viewer); bodies are captured while one is attached. */
    public Subscription subscribe(String tunnelHost, ExchangeListener listener) {
        return histories.computeIfAbsent(tunnelHost, this::newHistory).subscribe(listener);
    }

    public int viewers(String tunnelHost) {
        TunnelHistory h = histories.get(tunnelHost);
        return h == null ? 0 : h.listenerCount();
    }

    /** Running totals for the admin console; empty when the name has no history. */
    public Optional<TunnelFigures> figures(String tunnelHost) {
        TunnelHistory h = histories.get(tunnelHost);
        return h == null ? Optional.empty() : Optional.of(h.figures());
    }

    /** Bytes charged by one tunnel (its share of the budget). */
    public long capturedBytes(String tunnelHost) {
        TunnelHistory h = histories.get(tunnelHost);
        return h == null ? 0 : h.inUseBytes();
    }

    private TunnelHistory newHistory(String host) {
        return new TunnelHistory(host, maxExchangesPerTunnel, maxBytesPerTunnel, budget, this::relieveGlobalPressure,
                metrics::captureEvicted);
    }

    /**
     * Capture gives way first: past the memory budget's pressure mark, completed exchanges are evicted (the
     * tunnel holding the most first) until capture has given up what the budget holds above the mark, or all
     * it can. Called once a second by the wiring. Returns bytes freed.
     */
    public long yieldToTraffic() {
        return relieveGlobalPressure(Math.min(memory.abovePressure(), budget.inUseBytes()));
    }

    /** Global budget empty: evict completed exchanges, tunnel holding the most first. Returns bytes freed. */
    long relieveGlobalPressure(long bytesWanted) {
        if (bytesWanted <= 0) {
            return 0;
        }
        // Snapshot the sizes first: they move while we sort, which would break the comparator's contract.
        record Usage(TunnelHistory history, long bytes) { }
        List<Usage> byUse = new ArrayList<>();
        histories.values().forEach(h -> byUse.add(new Usage(h, h.inUseBytes())));
        byUse.sort(Comparator.comparingLong(Usage::bytes).reversed());
        long freed = 0;
        for (Usage u : byUse) {
            if (freed >= bytesWanted || u.bytes() == 0) {
                break;
            }
            freed += u.history().evictCompleted(bytesWanted - freed);
        }
        return freed;
    }
}
