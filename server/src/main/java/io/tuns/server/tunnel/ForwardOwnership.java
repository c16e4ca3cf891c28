package io.tuns.server.tunnel;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Who may bind what: the one decision, for every kind of forward, of whether a requesting connection gets a route,
 * joins a load-balanced pool, takes a route over from its own key's older connection, should get a random name
 * instead, or is refused. Pure: it reads the candidate tunnel and the tunnels already registered, nothing else.
 *
 * <p>The rules, in order (ARCHITECTURE.md "Ownership"):
 * <ol>
 *   <li>An HTTP host belongs to one key: a different key gets neither another path under it nor the bare host while
 *       a path under it is held (issue #14, path hijack). The same holds across HTTP and SNI for one name, since
 *       with {@code --sni-proxy-https} both are reached on the HTTPS port.</li>
 *   <li>Names under a held name are reserved to its key, and a name above a held one likewise ({@code x.app} and
 *       {@code app}; a wildcard {@code *.app} counts as {@code app}): cookies set for a parent domain reach every
 *       host under it. The root domain is exempt (everything is under it). {@code --share-names-across-keys} turns
 *       this rule off, never rule 1.</li>
 *   <li>The same route held by the same key on another connection: with the kind's load balancer on, the newcomer
 *       joins the pool (a dead member is dropped by keep-alive and failover); without one, it takes the route over.</li>
 *   <li>The same route held by another key: it joins only when the kind's load balancer is on and
 *       {@code --share-names-across-keys} allows pooling across keys; else it is refused.</li>
 * </ol>
 * A connection with no key (password or no auth) is its own owner.
 */
public final class ForwardOwnership {

    /** What the policy needs to know about the server's flags. */
    public record Settings(String apexDomain, boolean httpLoadBalancer, boolean tcpLoadBalancer,
                           boolean aliasLoadBalancer, boolean sniLoadBalancer, boolean shareNamesAcrossKeys) {

        public Settings {
            apexDomain = apexDomain.toLowerCase(Locale.ROOT);
        }

        /** No load balancers, names owned per key: the strict default. */
        public static Settings strict(String apexDomain) {
            return new Settings(apexDomain, false, false, false, false, false);
        }

        boolean loadBalanced(Tunnel.TunnelType type) {
            return switch (type) {
                case HTTP -> httpLoadBalancer;
                case TCP -> tcpLoadBalancer;
                case ALIAS -> aliasLoadBalancer;
                case SNI -> sniLoadBalancer;
            };
        }
    }

    public enum Verdict {
        /** The route was free. */
        CLAIM,
        /** Added to the route's load-balanced pool. */
        JOIN,
        /** Replaces {@link Decision#displaced()}, an older connection of the same key. */
        TAKE_OVER,
        /** Not granted, and the forward fails with {@link Decision#reason()}. */
        REFUSE,
        /** Not granted as asked; a random name or port is given instead (no {@code --force-requested-*}). */
        RANDOM;
    }

    /** The outcome; {@code reason} is a sentence for the user when refused ("it is held by another key"). */
    public record Decision(Verdict verdict, Tunnel displaced, String reason) {

        static Decision of(Verdict v) {
            return new Decision(v, null, null);
        }

        static Decision refuse(String reason) {
            return new Decision(Verdict.REFUSE, null, reason);
        }

        public boolean granted() {
            return verdict != Verdict.REFUSE && verdict != Verdict.RANDOM;
        }

        /** Refused because another tunnel holds the route (here, or on another node), not for any other reason. */
        public boolean inUse() {
            return verdict == Verdict.REFUSE && IN_USE.equals(reason);
        }

        /** A refusal becomes "random instead" unless the server forces requested names/ports for this kind. */
        public Decision orRandom(boolean forceRequested) {
            return verdict == Verdict.REFUSE && !forceRequested ? new Decision(Verdict.RANDOM, null, reason) : this;
        }
    }

    static final String IN_USE = "it is in use by another connection";

    private final Settings settings;

    public ForwardOwnership(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * @param sameRoute the tunnels registered under the candidate's type and route key
     * @param all every registered tunnel (for the host and name-hierarchy rules of HTTP and SNI)
     */
    public Decision decide(Tunnel candidate, List<Tunnel> sameRoute, Collection<Tunnel> all) {
        if (candidate.type() == Tunnel.TunnelType.HTTP || candidate.type() == Tunnel.TunnelType.SNI) {
            String conflict = nameConflict(candidate, sameRoute, all);
            if (conflict != null) {
                return Decision.refuse(conflict);
            }
        }
        if (sameRoute.isEmpty()) {
            return Decision.of(Verdict.CLAIM);
        }
        boolean pooled = settings.loadBalanced(candidate.type());
        for (Tunnel existing : sameRoute) {
            if (existing.owner() == candidate.owner()) {
                return pooled ? Decision.of(Verdict.JOIN)
                        : Decision.refuse("this connection already forwards it");
            }
        }
        for (Tunnel existing : sameRoute) {
            if (sameKey(existing, candidate)) {
                return pooled ? Decision.of(Verdict.JOIN) : new Decision(Verdict.TAKE_OVER, existing, null);
            }
        }
        if (pooled && settings.shareNamesAcrossKeys()) {
            return Decision.of(Verdict.JOIN);
        }
        return Decision.refuse(pooled ? "it is in use by another key" : IN_USE);
    }

    /** Rules 1 and 2: a reason when another owner holds this host (other path, other kind) or a related name. */
    private String nameConflict(Tunnel candidate, List<Tunnel> sameRoute, Collection<Tunnel> all) {
        String host = candidate.host().toLowerCase(Locale.ROOT);
        for (Tunnel existing : all) {
            if (sameOwner(existing, candidate) || sameRoute.contains(existing)
                    || (existing.type() != Tunnel.TunnelType.HTTP && existing.type() != Tunnel.TunnelType.SNI)) {
                continue;
            }
            String other = existing.host().toLowerCase(Locale.ROOT);
            if (other.equals(host)) {
                return "the host " + host + " belongs to another key";
            }
            if (!settings.shareNamesAcrossKeys() && candidate.type() == Tunnel.TunnelType.HTTP
                    && existing.type() == Tunnel.TunnelType.HTTP && related(host, other)) {
                return "it is within " + shorter(host, other) + ", which belongs to another key";
            }
        }
        return null;
    }

    /** Same name after reading {@code *.x} as {@code x}, or one under the other; the apex relates to nothing. */
    boolean related(String a, String b) {
        String x = a.startsWith("*.") ? a.substring(2) : a;
        String y = b.startsWith("*.") ? b.substring(2) : b;
        if (x.equals(settings.apexDomain()) || y.equals(settings.apexDomain())) {
            return false;
        }
        return x.equals(y) || x.endsWith("." + y) || y.endsWith("." + x);
    }

    private static String shorter(String a, String b) {
        return a.length() <= b.length() ? a : b;
    }

    private static boolean sameOwner(Tunnel a, Tunnel b) {
        return a.owner() == b.owner() || sameKey(a, b);
    }

    private static boolean sameKey(Tunnel a, Tunnel b) {
        String key = a.owner().keyFingerprint();
        return key != null && Objects.equals(key, b.owner().keyFingerprint());
    }
}
