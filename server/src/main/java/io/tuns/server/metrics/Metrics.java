package io.tuns.server.metrics;

import static io.tuns.server.metrics.LabelValues.freeForm;
import static io.tuns.server.metrics.LabelValues.oneOf;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.tuns.server.memory.MemoryBudget;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Every tuns collector, registered on the registry passed in (never the default registry, so two
 * servers can run in one JVM). Names follow pico's sish dashboards: {@code sish_connections_total}
 * is a gauge despite its suffix, because that is what their panels graph. ops/METRICS.md lists every
 * metric with its labels and the bound on its series.
 *
 * <p>Label values are bounded here rather than at call sites: enumerated labels fold unknown values
 * into "other", free-form ones are cut at 256 characters, and per-connection/per-tunnel series are
 * removed on close. With {@code userLabels=false} the {@code user} label is kept (pico's dashboards
 * select on it) but its value is always "" so user names never reach Prometheus.
 */
public final class Metrics {
    static final double[] DURATION_BUCKETS_SECONDS =
            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

    private final PrometheusRegistry registry;
    private final boolean userLabels;
    private final ExpositionFormats formats = ExpositionFormats.init();

    private final Gauge connectionsOpen;
    private final LiveSeries connectionStartTimes;
    private final LiveSeries tunnelsActive;
    private final Counter authFailures;
    private final Counter forwardRequests;
    private final Counter httpRequests;
    private final Histogram httpDuration;
    private final Counter bytes;
    private final Gauge forwardedChannelsOpen;
    private final Counter channelOpenFailures;
    private final Gauge captureLimit;
    private final Counter captureTruncations;
    private final Counter captureEvictions;
    private final Counter consoleDropped;
    private final Counter startupsDropped;
    private final Gauge certificateExpiry;

    // Set once by the server after the budget/hub exist; read on each scrape.
    private volatile LongSupplier captureInUse = () -> 0;
    private volatile IntSupplier viewers = () -> 0;

    public Metrics(PrometheusRegistry registry, boolean userLabels) {
        this.registry = registry;
        this.userLabels = userLabels;

        connectionsOpen = Gauge.builder().name("sish_connections_total")
                .help("Open SSH connections (a gauge: pico's dashboards graph it raw).")
                .register(registry);
        connectionStartTimes = new LiveSeries(Gauge.builder().name("sish_connections_time")
                .help("Start time of each open SSH connection, Unix seconds; removed on close.")
                .labelNames("user", "connection").register(registry), false);
        tunnelsActive = new LiveSeries(Gauge.builder().name("sish_tunnels_active")
                .help("1 per open forward (http, tcp, alias, sni); removed on close.")
                .labelNames("type", "user", "connection", "tunnel", "unix").register(registry), true);

        authFailures = counter("sish_ssh_auth_failures_total", "Failed SSH authentication attempts by method.",
                "method");
        forwardRequests = counter("sish_forward_requests_total",
                "SSH forward requests (tcpip-forward, direct-tcpip to an alias) by tunnel type and result.",
                "type", "result");
        httpRequests = counter("sish_http_requests_total", "HTTP requests served through tunnels by status class.",
                "status_class");
        httpDuration = Histogram.builder().name("sish_http_request_duration_seconds").unit(Unit.SECONDS)
                .help("Time from the request head to the end of the response, for requests through tunnels.")
                .classicOnly().classicUpperBounds(DURATION_BUCKETS_SECONDS).withoutExemplars()
                .register(registry);
        bytes = counter("sish_bytes_total",
                "Bytes proxied through tunnels: in = from visitors towards the tunnel, out = back to visitors.",
                "direction");
        forwardedChannelsOpen = Gauge.builder().name("sish_forwarded_channels_open")
                .help("Open forwarded-tcpip and direct-tcpip channels to SSH clients.").register(registry);
        channelOpenFailures = counter("sish_channel_open_failures_total",
                "Forwarded channels that could not be opened, by reason.", "reason");

        GaugeWithCallback.builder().name("sish_inspect_bytes_in_use")
                .help("Bytes of request/response bodies currently held by the capture budget.")
                .callback(cb -> cb.call(captureInUse.getAsLong())).register(registry);
        captureLimit = Gauge.builder().name("sish_inspect_bytes_limit")
                .help("Capture budget limit in bytes (0 when capture is off).").register(registry);
        captureTruncations = counter("sish_inspect_truncated_total",
                "Captured bodies truncated: limit = per-body cap reached, budget = global budget exhausted.",
                "reason");
        captureEvictions = counter("sish_inspect_evicted_total",
                "Captured exchanges evicted from tunnel histories to stay within bounds.");
        GaugeWithCallback.builder().name("sish_console_viewers")
                .help("Browsers attached to a console live stream.")
                .callback(cb -> cb.call(viewers.getAsInt())).register(registry);
        consoleDropped = counter("sish_console_events_dropped_total",
                "Console events dropped because a viewer could not keep up.");
        startupsDropped = counter("sish_ssh_startups_dropped_total",
                "SSH connections closed before key exchange because too many were not yet logged in "
                        + "(--max-startups).");
        certificateExpiry = Gauge.builder().name("sish_certificate_expiry_timestamp_seconds")
                .help("notAfter of each TLS certificate served, Unix seconds.").labelNames("name")
                .register(registry);

        initKnownLabelValues();
    }

    /** JVM and process collectors (process_resident_memory_bytes, jvm_memory_*, …) plus the memory limit. */
    public void registerJvmMetrics() {
        JvmMetrics.builder().register(registry); // idempotent per registry
        MemoryLimit limit = MemoryLimit.ofThisProcess();
        try {
            GaugeWithCallback.builder().name("sish_memory_limit_bytes")
                    .help("Memory this process may use: smallest cgroup limit (systemd MemoryMax=) or MemTotal.")
                    .callback(cb -> limit.bytes().ifPresent(cb::call)).register(registry);
        } catch (IllegalArgumentException alreadyRegistered) {
            // A second call on the same registry: JvmMetrics ignores it, so do we.
        }
    }

    public void sshConnectionOpened(String user, String connection, long startEpochSeconds) {
        connectionStartTimes.open(startEpochSeconds, user(user), freeForm(connection));
        connectionsOpen.inc();
    }

    /** Safe to call for a connection that was never reported open (e.g. from a finally block). */
    public void sshConnectionClosed(String user, String connection) {
        if (connectionStartTimes.close(user(user), freeForm(connection))) {
            connectionsOpen.dec();
        }
    }

    /** @param type http, tcp, alias or sni; anything else is counted as "other" */
    public void tunnelOpened(String type, String user, String connection, String tunnel, String unix) {
        tunnelsActive.open(1, tunnelLabels(type, user, connection, tunnel, unix));
    }

    public void tunnelClosed(String type, String user, String connection, String tunnel, String unix) {
        tunnelsActive.close(tunnelLabels(type, user, connection, tunnel, unix));
    }

    /** @param method publickey, password, keyboard-interactive or none */
    public void sshAuthFailure(String method) {
        authFailures.labelValues(oneOf(method, LabelValues.AUTH_METHODS)).inc();
    }

    /** @param result ok, denied, conflict (name or port taken), invalid or error */
    public void forwardRequest(String type, String result) {
        forwardRequests.labelValues(oneOf(type, LabelValues.TUNNEL_TYPES),
                oneOf(result, LabelValues.FORWARD_RESULTS)).inc();
    }

    /** @param status the status sent, or 0 when none was (client gone): counted as "other" */
    public void httpRequest(int status, double seconds) {
        httpRequests.labelValues(LabelValues.statusClass(status)).inc();
        if (seconds >= 0 && Double.isFinite(seconds)) {
            httpDuration.observe(seconds);
        }
    }

    /** @param direction in (visitor → tunnel) or out (tunnel → visitor) */
    public void bytes(String direction, long n) {
        if (n > 0) {
            bytes.labelValues(oneOf(direction, LabelValues.DIRECTIONS)).inc(n);
        }
    }

    public void forwardedChannelOpened() {
        forwardedChannelsOpen.inc();
    }

    public void forwardedChannelClosed() {
        forwardedChannelsOpen.dec();
    }

    /** @param reason refused, timeout, limit or closed; anything else is "other" */
    public void channelOpenFailure(String reason) {
        channelOpenFailures.labelValues(oneOf(reason, LabelValues.CHANNEL_FAILURES)).inc();
    }

    /** Reads {@code inUseBytes} at each scrape; call once when the capture budget is built. */
    public void captureBudget(LongSupplier inUseBytes, long limitBytes) {
        captureInUse = inUseBytes;
        captureLimit.set(limitBytes);
    }

    /** @param reason limit (per-body cap) or budget (global budget empty) */
    public void captureTruncated(String reason) {
        captureTruncations.labelValues(oneOf(reason, LabelValues.TRUNCATION_REASONS)).inc();
    }

    public void captureEvicted(long n) {
        if (n > 0) {
            captureEvictions.inc(n);
        }
    }

    /**
     * The memory governor's figures, read at each scrape; call once when the budget is built. The budget is 0 when
     * the governor is off ({@code --memory-budget=off}); the in-use series are still exported.
     */
    public void memoryBudget(MemoryBudget budget) {
        GaugeWithCallback.builder().name("sish_memory_budget_bytes")
                .help("The memory budget for traffic (--memory-budget), 0 when the governor is off.")
                .callback(cb -> cb.call(budget.enforced() ? budget.limit() : 0)).register(registry);
        GaugeWithCallback.builder().name("sish_memory_budget_in_use_bytes")
                .help("Bytes held against the memory budget, by kind.").labelNames("kind")
                .callback(cb -> {
                    for (MemoryBudget.Kind k : MemoryBudget.Kind.values()) {
                        cb.call(budget.inUse(k), k.label());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("sish_memory_budget_refusals_total")
                .help("Reservations the memory budget refused, by kind (capture truncated, render 503,"
                        + " ssh_window = a new channel refused with 503 or an open failure).").labelNames("kind")
                .callback(cb -> {
                    for (MemoryBudget.Kind k : MemoryBudget.Kind.values()) {
                        cb.call(budget.refusals(k), k.label());
                    }
                }).register(registry);
    }

    /** Reads {@code viewerCount} at each scrape; call once when the console hub is built. */
    public void consoleViewers(IntSupplier viewerCount) {
        viewers = viewerCount;
    }

    /** One SSH connection closed at accept by --max-startups. */
    public void sshStartupDropped() {
        startupsDropped.inc();
    }

    public void consoleEventsDropped(long n) {
        if (n > 0) {
            consoleDropped.inc(n);
        }
    }

    /** One series per certificate name; call {@link #certificateRemoved} when a certificate is dropped. */
    public void certificateExpiry(String name, long notAfterEpochSeconds) {
        certificateExpiry.labelValues(freeForm(name)).set(notAfterEpochSeconds);
    }

    public void certificateRemoved(String name) {
        certificateExpiry.remove(freeForm(name));
    }

    /** Content-Type of what {@link #scrape} writes for this Accept header. */
    public String contentType(String acceptHeader) {
        return writer(acceptHeader).getContentType();
    }

    /**
     * Writes every metric of the registry as OpenMetrics when Accept asks for it, else as Prometheus
     * text 0.0.4.
     *
     * @throws UncheckedIOException when {@code out} fails
     */
    public void scrape(String acceptHeader, OutputStream out) {
        try {
            writer(acceptHeader).write(out, registry.scrape(), EscapingScheme.fromAcceptHeader(acceptHeader));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Protobuf is declined: it only matters for native histograms, which tuns does not emit. */
    private ExpositionFormatWriter writer(String acceptHeader) {
        ExpositionFormatWriter found = formats.findWriter(acceptHeader);
        if (found == formats.getOpenMetricsTextFormatWriter()) {
            return found;
        }
        return formats.getPrometheusTextFormatWriter();
    }

    private String user(String user) {
        return userLabels ? freeForm(user) : "";
    }

    private String[] tunnelLabels(String type, String user, String connection, String tunnel, String unix) {
        return new String[] {oneOf(type, LabelValues.TUNNEL_TYPES), user(user), freeForm(connection),
            freeForm(tunnel), freeForm(unix)};
    }

    private Counter counter(String name, String help, String... labelNames) {
        return Counter.builder().name(name).help(help).labelNames(labelNames).withoutExemplars().register(registry);
    }

    /** Zero-valued series from the start, so rate() and alert rules see a counter before its first increment. */
    private void initKnownLabelValues() {
        initEach(authFailures, LabelValues.AUTH_METHODS);
        initEach(httpRequests, LabelValues.STATUS_CLASSES);
        initEach(bytes, LabelValues.DIRECTIONS);
        initEach(channelOpenFailures, LabelValues.CHANNEL_FAILURES);
        initEach(captureTruncations, LabelValues.TRUNCATION_REASONS);
        for (String type : LabelValues.TUNNEL_TYPES) {
            for (String result : LabelValues.FORWARD_RESULTS) {
                forwardRequests.initLabelValues(type, result);
            }
        }
    }

    private static void initEach(Counter counter, Set<String> values) {
        values.forEach(counter::initLabelValues);
    }
}
