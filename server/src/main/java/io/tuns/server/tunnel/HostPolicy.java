package io.tuns.server.tunnel;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * sish's rules for which full host a requested HTTP name becomes: {@code name.domain}; a custom domain as is with
 * {@code --bind-any-host} or when one label below a {@code --bind-hosts} entry; {@code *.name.domain} with
 * {@code --bind-wildcards}; the user appended with {@code --append-user-to-subdomain}; a custom domain also as is when the key proved it by DNS
 * ({@code --verify-dns}, see {@link DnsOwnership}).
 */
public final class HostPolicy {

    private final String domain;
    private final boolean bindAnyHost;
    private final Set<String> bindHosts;
    private final boolean bindWildcards;
    private final boolean appendUser;
    private final String separator;

    public HostPolicy(String domain, boolean bindAnyHost, List<String> bindHosts, boolean bindWildcards,
                      boolean appendUser, String separator) {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.bindAnyHost = bindAnyHost;
        this.bindHosts = Set.copyOf(bindHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList());
        this.bindWildcards = bindWildcards;
        this.appendUser = appendUser;
        this.separator = separator;
    }

    /** Whether {@code name} asks for a wildcard this server allows ({@code *.dev}). */
    public boolean isAllowedWildcard(String name) {
        return bindWildcards && name.startsWith("*.") && name.length() > 2;
    }

    /** The full host for an accepted name. */
    public String hostFor(String name, String user) {
        return hostFor(name, user, false);
    }

    /** @param dnsVerified the key proved the custom domain with a {@code _sish} TXT record ({@code --verify-dns}) */
    public String hostFor(String name, String user, boolean dnsVerified) {
        if (name.contains(".") && !name.startsWith("*.") && (dnsVerified || isCustomDomainAllowed(name))) {
            return name;
        }
        String label = name;
        if (appendUser && user != null && !user.isEmpty() && !name.startsWith("*.")) {
            label = name + separator + user.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
        }
        return label + "." + domain;
    }

    private boolean isCustomDomainAllowed(String name) {
        if (bindAnyHost) {
            return true;
        }
        int dot = name.indexOf('.');
        return dot > 0 && bindHosts.contains(name.substring(dot + 1));
    }

    /** Wildcard hosts that could serve {@code host}, nearest first: a.b.dev.x → *.b.dev.x, *.dev.x, *.x. */
    public static String[] wildcardCandidates(String host) {
        String[] parts = host.split("\\.");
        String[] out = new String[Math.max(0, parts.length - 1)];
        StringBuilder rest = new StringBuilder();
        for (int i = parts.length - 1; i >= 1; i--) {
            rest.insert(0, rest.length() == 0 ? parts[i] : parts[i] + ".");
            out[i - 1] = "*." + rest;
        }
        return out;
    }
}
