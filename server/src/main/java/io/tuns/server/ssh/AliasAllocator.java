package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Private aliases ({@code -R box:22:…}, reached with {@code ssh -J}): the requested {@code name:port}, or a random
 * name of {@code --bind-random-aliases-length} when it is refused (unless {@code --force-requested-aliases}).
 */
final class AliasAllocator {

    static final int RANDOM_ATTEMPTS = 64;

    record Settings(boolean bindRandomAliases, int bindRandomAliasesLength, boolean forceRequestedAliases,
                    List<String> bannedAliases) {

        static Settings of(ServerConfig c) {
            return new Settings(c.bindRandomAliases(), c.bindRandomAliasesLength(), c.forceRequestedAliases(),
                    c.bannedAliases());
        }
    }

    private final Settings s;
    private final TunnelRegistry registry;
    private final ForwardOwnership ownership;
    private final NameAllocator names;

    AliasAllocator(Settings settings, TunnelRegistry registry, ForwardOwnership ownership, NameAllocator names) {
        this.s = settings;
        this.registry = registry;
        this.ownership = ownership;
        this.names = names;
    }

    Allocation allocate(ForwardRequest r, Consumer<String> notices) {
        String requested = r.bindAddress().toLowerCase(Locale.ROOT);
        int port = r.port();
        String reason = null;
        if (s.bindRandomAliases()) {
            reason = SessionText.RANDOM_ALIASES_ENFORCED;
        } else if (s.bannedAliases().contains(requested + ":" + port) || requested.isEmpty()) {
            reason = SessionText.RESERVED;
        }
        if (reason == null) {
            Tunnel t = alias(requested, r);
            ForwardOwnership.Decision claim = registry.claim(t, ownership);
            if (claim.granted()) {
                return granted(t);
            }
            reason = claim.reason();
        }
        if (s.forceRequestedAliases()) { // sish's line, then tuns' reason
            return Allocation.refused("alias", SessionText.aliasUnavailable(requested + ":" + port, true),
                    SessionText.aliasReason(requested + ":" + port, reason));
        }
        notices.accept(SessionText.aliasUnavailable(requested + ":" + port, false)); // sish: also under --bind-random-aliases
        for (int attempt = 0; attempt < RANDOM_ATTEMPTS; attempt++) {
            // the client matches forwarded-tcpip on what it sent, so the random name is only the public key
            Tunnel t = alias(names.randomName(s.bindRandomAliasesLength(), attempt), r);
            if (registry.claimFree(t, ownership)) {
                return granted(t);
            }
        }
        return Allocation.refused("alias", SessionText.noRandomAlias());
    }

    private static Tunnel alias(String name, ForwardRequest r) {
        return new Tunnel(Tunnel.TunnelType.ALIAS, name + ":" + r.port(), r.bindAddress(), r.port(), r.owner(), "",
                Instant.now());
    }

    private static Allocation granted(Tunnel t) {
        // sish calls an alias's forward "tcp:PORT" (connType stays "tcp" for aliases)
        return Allocation.granted("alias", t, -1, List.of(SessionText.forwardHeader("tcp", t.bindPort()),
                SessionText.access("TCP Alias", t.host())), Allocation.NOTHING);
    }
}
