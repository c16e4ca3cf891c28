package io.tuns.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * A cluster node's view of the route store (Redis), its own lease and the hops between nodes; registered only
 * with {@code --cluster-store}, so a single node exports none of it. Every series is unlabelled except
 * {@code sish_cluster_hops_total} (5 results). ops/METRICS.md documents them; ops/prometheus alerts on them.
 */
public final class ClusterMetrics {

    static final double[] FEED_LAG_BUCKETS_SECONDS = {.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5};
    static final Set<String> HOP_RESULTS = Set.of("forwarded", "not_here", "failed", "pooled", "reused");

    private final Gauge storeUp;
    private final Gauge leaseRenewed;
    private final Counter leaseLapses;
    private final Counter routesLost;
    private final Counter hops;
    private final Counter peersRefused;
    private final Histogram feedLag;
    private final Counter feedGaps;

    /** @param routesHeld routes this node holds in the store, read on each scrape */
    public ClusterMetrics(PrometheusRegistry registry, double ttlSeconds, IntSupplier routesHeld) {
        storeUp = Gauge.builder().name("sish_cluster_store_up")
                .help("1 while the cluster route store answered this node's last call, else 0 (new forwards are"
                        + " refused; open tunnels keep working).").register(registry);
        leaseRenewed = Gauge.builder().name("sish_cluster_lease_renewed_timestamp_seconds").unit(Unit.SECONDS)
                .help("When this node last renewed its lease in the store, Unix seconds.").register(registry);
        Gauge ttl = Gauge.builder().name("sish_cluster_lease_ttl_seconds").unit(Unit.SECONDS)
                .help("This node's lease (--cluster-node-ttl): its names free up this long after it stops renewing.")
                .register(registry);
        ttl.set(ttlSeconds);
        leaseLapses = Counter.builder().name("sish_cluster_lease_lapses_total").withoutExemplars()
                .help("Times this node found its lease lapsed (it froze or lost the store) and joined again.")
                .register(registry);
        routesLost = Counter.builder().name("sish_cluster_routes_lost_total").withoutExemplars()
                .help("Routes this node held that another node holds now; their tunnels here were closed.")
                .register(registry);
        hops = Counter.builder().name("sish_cluster_hops_total").withoutExemplars()
                .help("Hop connections this node opened to the node holding a request's tunnel, by the owner's"
                        + " answer: forwarded, not_here (a stale route) or failed (no answer); and hop connections"
                        + " kept idle after a request (pooled) or taken again for one (reused).")
                .labelNames("result").register(registry);
        HOP_RESULTS.forEach(r -> hops.labelValues(r).inc(0));
        peersRefused = Counter.builder().name("sish_cluster_peers_refused_total").withoutExemplars()
                .help("Connections to --cluster-listen refused before any hop: no TLS, no client certificate or one"
                        + " the cluster CA did not sign.").register(registry);
        feedLag = Histogram.builder().name("sish_cluster_feed_lag_seconds").unit(Unit.SECONDS)
                .help("From Redis recording a route change (claim, take-over, release) to this node applying it"
                        + " from the route feed.")
                .classicOnly().classicUpperBounds(FEED_LAG_BUCKETS_SECONDS).withoutExemplars().register(registry);
        feedGaps = Counter.builder().name("sish_cluster_feed_gaps_total").withoutExemplars()
                .help("Times the route feed lost entries (read too late, after the trim, or Redis emptied); each"
                        + " time the node looked all its routes up.").register(registry);
        GaugeWithCallback.builder().name("sish_cluster_routes_held")
                .help("Routes this node holds in the cluster store.")
                .callback(cb -> cb.call(routesHeld.getAsInt())).register(registry);
    }

    public void storeAnswered(boolean answered) {
        storeUp.set(answered ? 1 : 0);
    }

    public void leaseRenewed(long epochMillis) {
        leaseRenewed.set(epochMillis / 1000.0);
    }

    public void leaseLapsed() {
        leaseLapses.inc();
    }

    public void routeLost() {
        routesLost.inc();
    }

    public void peerRefused() {
        peersRefused.inc();
    }

    /** @param result forwarded, not_here or failed */
    public void hop(String result) {
        hops.labelValues(LabelValues.oneOf(result, HOP_RESULTS)).inc();
    }

    /** @param lagMillis from the change in Redis to now; a clock behind Redis' counts as 0 */
    public void feedApplied(long lagMillis) {
        feedLag.observe(Math.max(0, lagMillis) / 1000.0);
    }

    public void feedMissed() {
        feedGaps.inc();
    }
}
