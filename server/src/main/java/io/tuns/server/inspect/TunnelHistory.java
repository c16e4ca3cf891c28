package io.tuns.server.inspect;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * One tunnel's recent exchanges, bounded by count ({@code maxExchanges}, oldest evicted, open or not) and by bytes
 * ({@code maxBytesPerTunnel}, oldest completed evicted to make room). It is also the account its captures are charged
 * to, so the per-tunnel bound and the global budget are checked together on every chunk.
 */
final class TunnelHistory implements ByteAccount {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TunnelHistory.class);

    /** Frees bytes elsewhere (the tunnel holding the most) when the global budget is empty. */
    @FunctionalInterface
    interface PressureReliever {
        long relieve(long bytesWanted);
    }

    private final String host;
    private final int maxExchanges;
    private final CaptureBudget tunnelBytes;
    private final CaptureBudget globalBudget;
    private final PressureReliever globalPressure;
    private final LongConsumer evictedCounter;

    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>(); // guarded by this, oldest first
    private final CopyOnWriteArrayList<ExchangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile long lastListenerLeftNanos = Long.MIN_VALUE;
    private volatile boolean closed;
    /** Key fingerprint of the client that last held the name; only the same key gets an away history back. */
    private volatile String ownerKey;
    private volatile long awaySinceNanos = NOT_AWAY;
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    private static final long NOT_AWAY = Long.MIN_VALUE;

    TunnelHistory(String host, int maxExchanges, long maxBytesPerTunnel, CaptureBudget globalBudget,
                  PressureReliever globalPressure, LongConsumer evictedCounter) {
        this.host = host;
        this.maxExchanges = Math.max(1, maxExchanges);
        this.tunnelBytes = new CaptureBudget(Math.max(0, maxBytesPerTunnel));
        this.globalBudget = globalBudget;
        this.globalPressure = globalPressure;
        this.evictedCounter = evictedCounter;
    }

    String host() {
        return host;
    }

    @Override
    public boolean tryCharge(long bytes) {
        if (closed) {
            return false;
        }
        if (!tunnelBytes.tryCharge(bytes)) {
            evictCompleted(bytes - tunnelBytes.availableBytes());
            if (!tunnelBytes.tryCharge(bytes)) {
                return false;
            }
        }
        if (!globalBudget.tryCharge(bytes)) {
            globalPressure.relieve(bytes - globalBudget.availableBytes());
            if (!globalBudget.tryCharge(bytes)) {
                tunnelBytes.release(bytes);
                return false;
            }
        }
        return true;
    }

    @Override
    public void release(long bytes) {
        globalBudget.release(bytes);
        tunnelBytes.release(bytes);
    }

    long inUseBytes() {
        return tunnelBytes.inUseBytes();
    }

    /** Adds a new exchange, evicting the oldest beyond the count bound. False (and freed) if the tunnel is closed. */
    boolean add(Exchange exchange) {
        int evicted = 0;
        synchronized (this) {
            if (closed) {
                exchange.free();
                return false;
            }
            while (exchanges.size() >= maxExchanges) {
                exchanges.pollFirst().free();
                evicted++;
            }
            exchanges.addLast(exchange);
        }
        requests.increment();
        if (evicted > 0) {
            evictedCounter.accept(evicted);
        }
        return true;
    }

    /** Evicts the oldest ended exchanges until {@code bytesWanted} were freed or none is left; returns bytes freed. */
    long evictCompleted(long bytesWanted) {
        if (bytesWanted <= 0) {
            return 0;
        }
        long freed = 0;
        int evicted = 0;
        synchronized (this) {
            Iterator<Exchange> it = exchanges.iterator();
            while (freed < bytesWanted && it.hasNext()) {
                Exchange e = it.next();
                if (!e.ended()) {
                    continue;
                }
                long held = e.chargedBytes();
                if (held == 0) {
                    continue; // nothing to gain; keep its summary
                }
                it.remove();
                e.free();
                freed += held;
                evicted++;
            }
        }
        if (evicted > 0) {
            evictedCounter.accept(evicted);
        }
        return freed;
    }

    /** Newest first. */
    synchronized List<Exchange> snapshot() {
        List<Exchange> out = new ArrayList<>(exchanges.size());
        exchanges.descendingIterator().forEachRemaining(out::add);
        return out;
    }

    synchronized Optional<Exchange> find(long id) {
        for (Exchange e : exchanges) {
            if (e.id() == id) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    synchronized int size() {
        return exchanges.size();
    }

    /** Frees everything and tells listeners; later adds are refused. */
    void close() {
        synchronized (this) {
            closed = true;
            exchanges.forEach(Exchange::free);
            exchanges.clear();
        }
        for (ExchangeListener l : listeners) {
            try {
                l.tunnelClosed();
            } catch (RuntimeException ignored) {
                // one broken viewer must not keep the others attached
            }
        }
        listeners.clear();
    }

    boolean closed() {
        return closed;
    }

    /**
     * The tunnel left but its history is kept for a reconnect: viewers are told (their stream ends, the page retries)
     * and detached; the exchanges stay, charged as before and evictable under pressure.
     */
    void away(long nowNanos, String keyFingerprint) {
        ownerKey = keyFingerprint;
        awaySinceNanos = nowNanos;
        for (ExchangeListener l : listeners) {
            try {
                l.tunnelClosed();
            } catch (RuntimeException ignored) {
                // one broken viewer must not keep the others attached
            }
        }
        listeners.clear();
    }

    /** A tunnel holds the name again (same key, or a fresh history). */
    void back(String keyFingerprint) {
        if (keyFingerprint != null) {
            ownerKey = keyFingerprint;
        }
        awaySinceNanos = NOT_AWAY;
    }

    boolean isAway() {
        return awaySinceNanos != NOT_AWAY;
    }

    long awaySinceNanos() {
        return awaySinceNanos;
    }

    /** True when {@code keyFingerprint} is the key this history belongs to. */
    boolean ownedBy(String keyFingerprint) {
        String owner = ownerKey;
        return owner != null && owner.equals(keyFingerprint);
    }

    Subscription subscribe(ExchangeListener listener) {
        listeners.add(listener);
        return () -> {
            if (listeners.remove(listener) && listeners.isEmpty()) {
                lastListenerLeftNanos = System.nanoTime();
            }
        };
    }

    TunnelFigures figures() {
        return new TunnelFigures(requests.sum(), errors.sum(), bytesIn.sum(), bytesOut.sum(), inUseBytes(), size(),
                listenerCount(), isAway());
    }

    int listenerCount() {
        return listeners.size();
    }

    /** True while a viewer is attached, or for {@code graceNanos} after the last one left (a page reload). */
    boolean hasViewer(long nowNanos, long graceNanos) {
        if (!listeners.isEmpty()) {
            return true;
        }
        long left = lastListenerLeftNanos;
        return left != Long.MIN_VALUE && nowNanos - left < graceNanos;
    }

    void publish(Exchange exchange, ExchangeListener.Event event) {
        if (event == ExchangeListener.Event.ENDED) {
            if (exchange.state() == ExchangeState.ABORTED || exchange.status() >= 500) {
                errors.increment();
            }
            bytesIn.add(exchange.requestBody().observedBytes());
            bytesOut.add(exchange.responseBody().observedBytes());
        }
        for (ExchangeListener l : listeners) {
            try {
                l.exchange(exchange, event);
            } catch (RuntimeException e) {
                // a viewer's failure must never reach the proxy path
                log.warn("console listener failed host={} error={}", host, e.toString());
            }
        }
    }
}
