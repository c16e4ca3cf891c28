package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.DnsOwnership;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HostPolicy;
import io.tuns.server.tunnel.HttpBinding;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelOptions;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * HTTP(S) forwards: which host (and path) a bind address becomes under sish's naming rules, claimed through the
 * ownership policy; a refused name becomes a random one unless {@code --force-requested-subdomains}.
 */
final class HttpAllocator {

    /** Random names tried before giving up (the name grows every 8 tries, so a crowded space still ends). */
    static final int RANDOM_ATTEMPTS = 64;

    record Settings(String domain, boolean bindRootDomain, boolean bindRandomSubdomains,
                    boolean forceRequestedSubdomains, boolean verifyDns, boolean bindHttpAuth, boolean bindHttpPath,
                    boolean stripHttpPath, boolean rewriteHostHeader, boolean forceHttps, boolean serviceConsole,
                    String serviceConsoleToken) {

        static Settings of(ServerConfig c) {
            return new Settings(c.domain(), c.bindRootDomain(), c.bindRandomSubdomains(),
                    c.forceRequestedSubdomains(), c.verifyDns(), c.bindHttpAuth(), c.bindHttpPath(),
                    c.stripHttpPath(), c.rewriteHostHeader(), c.forceHttps(), c.serviceConsole(),
                    c.serviceConsoleToken());
        }
    }

    private final Settings s;
    private final TunnelRegistry registry;
    private final ForwardOwnership ownership;
    private final NameAllocator names;
    private final HostPolicy hosts;
    private final DnsOwnership dns;
    private final Supplier<PublicUrls> urls;
    private final ConsoleTokenSource consoleTokens;

    HttpAllocator(Settings settings, TunnelRegistry registry, ForwardOwnership ownership, NameAllocator names,
                  HostPolicy hosts, DnsOwnership dns, Supplier<PublicUrls> urls, ConsoleTokenSource consoleTokens) {
        this.s = settings;
        this.registry = registry;
        this.ownership = ownership;
        this.names = names;
        this.hosts = hosts;
        this.dns = dns;
        this.urls = urls;
        this.consoleTokens = consoleTokens;
    }

    /** @param backendTls the service speaks TLS ({@code -R name:443:…}) */
    Allocation allocate(ForwardRequest r, boolean backendTls, Consumer<String> notices) {
        HttpBinding binding = HttpBinding.parse(r.bindAddress());
        TunnelOptions opts = options(binding, r, notices);
        if (backendTls) {
            opts = opts.withBackendTls();
        }
        String requested = names.requestedName(binding.name());
        if (requested == null && s.bindRootDomain() && !s.bindRandomSubdomains()
                && (binding.name().isEmpty() || binding.name().equals("*"))) {
            Tunnel root = newTunnel(s.domain(), r, opts); // -R '*:80:…' with --bind-root-domain
            if (registry.claim(root, ownership).granted()) {
                return granted(root, r.port());
            }
        }
        if (requested != null) {
            boolean wildcard = hosts.isAllowedWildcard(requested);
            String reason = wildcard && !s.bindRandomSubdomains() ? names.refusalReason(requested.substring(2))
                    : names.refusalReason(requested);
            if (reason == null) {
                boolean dnsVerified = s.verifyDns() && requested.contains(".") && !requested.startsWith("*.")
                        && dns.owns(requested, r.keyFingerprint());
                Tunnel t = newTunnel(hosts.hostFor(requested, r.user(), dnsVerified), r, opts);
                ForwardOwnership.Decision claim = registry.claim(t, ownership).orRandom(s.forceRequestedSubdomains());
                switch (claim.verdict()) {
                    case TAKE_OVER -> notices.accept(SessionText.subdomainTakenOver(requested));
                    case JOIN -> notices.accept(SessionText.subdomainShared(requested));
                    default -> { }
                }
                if (claim.granted()) {
                    return granted(t, r.port());
                }
                reason = claim.reason();
            }
            String fullHost = hosts.hostFor(requested, r.user(), false); // sish names the full host
            if (s.forceRequestedSubdomains()) { // sish's line, then tuns' reason
                return Allocation.refused("http", SessionText.subdomainUnavailable(fullHost, true),
                        SessionText.subdomainReason(fullHost, reason));
            }
            notices.accept(SessionText.subdomainUnavailable(fullHost, false)); // sish: also under --bind-random-subdomains
            if (!s.bindRandomSubdomains()) {
                notices.accept(SessionText.subdomainReason(fullHost, reason));
            }
        } else if (s.forceRequestedSubdomains()) { // sish: GetOpenHost returns nil, handleHTTPListener refuses
            return Allocation.refused("http", SessionText.subdomainUnavailable(unrequestedHost(binding.name()), true));
        } else {
            notices.accept(SessionText.subdomainUnavailable(unrequestedHost(binding.name()), false));
        }
        for (int attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
            Tunnel t = newTunnel(names.hostFor(names.randomName(attempt)), r, opts);
            if (registry.claimFree(t, ownership)) {
                return granted(t, r.port());
            }
        }
        return Allocation.refused("http", SessionText.noRandomSubdomain());
    }

    /**
     * The host sish makes of a bind address that names no subdomain ({@code proposedHost := fmt.Sprintf("%s%s.%s",
     * addr, hostExtension, domain)}): {@code -R 80:localhost:…} gives {@code localhost.<domain>} and {@code -R :80:…}
     * gives {@code .<domain>}, both on sish's banned list, {@code *} gives {@code *.<domain>}; sish reports it
     * unavailable and assigns a random subdomain (refuses the forward under {@code --force-requested-subdomains}),
     * and so does tuns (an IPv6 address included, see {@link NameAllocator#requestedName}). With
     * {@code --bind-root-domain} sish turns {@code .<domain>} into {@code <domain>} first
     * ({@code if bind-root-domain && proposedHost == "."+domain { proposedHost = domain }}), so when another key holds
     * the root its line names {@code <domain>}; tuns reads {@code *} as {@code ""} there, as it tried the root for it.
     */
    private String unrequestedHost(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (s.bindRootDomain() && (n.isEmpty() || n.equals("*"))) {
            return s.domain();
        }
        return n.endsWith("." + s.domain()) ? n : n + "." + s.domain();
    }

    /** The tunnel's HTTP options: its bind address's user:pass@ and /path, and the connection's commands. */
    private TunnelOptions options(HttpBinding b, ForwardRequest r, Consumer<String> notices) {
        boolean auth = b.user() != null && s.bindHttpAuth();
        if (b.user() != null && !s.bindHttpAuth()) {
            notices.accept(SessionText.basicAuthDisabled());
        }
        String path = s.bindHttpPath() ? b.path() : "";
        if (!b.path().isEmpty() && !s.bindHttpPath()) {
            notices.accept(SessionText.pathDisabled());
        }
        SessionOptions o = r.options();
        boolean strip = s.stripHttpPath() && (o.get("strip-path") == null || o.flag("strip-path"));
        String hostHeader = s.rewriteHostHeader() ? o.get("host-header") : null;
        boolean forceHttps = o.flag("force-https") && s.forceHttps();
        return new TunnelOptions(path, auth ? b.user() : null, auth ? b.password() : null, hostHeader, strip,
                forceHttps, r.proxyProtocol());
    }

    private Tunnel newTunnel(String host, ForwardRequest r, TunnelOptions opts) {
        return new Tunnel(Tunnel.TunnelType.HTTP, host, r.bindAddress(), r.port(), r.owner(), consoleToken(host, r),
                Instant.now(), opts);
    }

    /**
     * The one place a tunnel's console token is made: the server's fixed token, or the token book's for this name
     * and key (the same after a reconnect, so an open console tab stays valid).
     */
    private String consoleToken(String host, ForwardRequest r) {
        return s.serviceConsoleToken().isEmpty() ? consoleTokens.tokenFor(host, r.owner().keyFingerprint())
                : s.serviceConsoleToken();
    }

    private Allocation granted(Tunnel tunnel, int port) {
        return Allocation.granted("http", tunnel, port == 0 ? 80 : -1, banner(tunnel, port), Allocation.NOTHING);
    }

    private List<String> banner(Tunnel tunnel, int port) {
        PublicUrls u = urls.get();
        List<String> lines = new ArrayList<>();
        lines.add(SessionText.forwardHeader(tunnel.options().backendTls() ? "https" : "http", port));
        // sish puts user:pass@ into every URL it prints (httphandler.go userPass)
        String auth = tunnel.options().needsAuth() ? tunnel.options().user() + ":" + tunnel.options().password() + "@" : "";
        if (s.serviceConsole() && s.serviceConsoleToken().isEmpty()) {
            lines.add(SessionText.serviceConsole(withAuth(u.console(tunnel.host(), tunnel.consoleToken()), auth)));
        }
        String path = tunnel.options().path();
        if (u.showsHttp()) { // not with --proxy-ssl-termination: only the proxy's https URL reaches us
            lines.add(SessionText.access("HTTP", withAuth(u.http(tunnel.host()), auth) + path));
        }
        u.https(tunnel.host()).ifPresent(h -> lines.add(SessionText.access("HTTPS", withAuth(h, auth) + path)));
        return lines;
    }

    private static String withAuth(String url, String auth) {
        int at = url.indexOf("://");
        return auth.isEmpty() || at < 0 ? url : url.substring(0, at + 3) + auth + url.substring(at + 3);
    }
}
