package io.tuns.server.ssh;

import io.tuns.server.bridge.IdleWatch;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tunnel.Tunnel;
import io.tuns.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;

/**
 * {@code direct-tcpip} channels, i.e. users reaching private aliases. With {@code --tcp-aliases-allowed-users}
 * only the alias owner's key and the fingerprints its owner listed ({@code tcp-aliases-allowed-users=...} or
 * {@code any}) may connect; without it any authenticated user may, as in sish.
 */
final class AliasChannelFactory implements ChannelFactory {

    /** The flags alias channels read; {@code drainTimeout} is {@code --alias-drain-timeout} ({@link AliasLane}). */
    record Settings(boolean idleConnection, Duration idleConnectionTimeout, boolean logToClient,
                    boolean tcpAliasesAllowedUsers, Duration drainTimeout) {

        static Settings of(ServerConfig c) {
            return new Settings(c.idleConnection(), c.idleConnectionTimeout(), c.logToClient(),
                    c.tcpAliasesAllowedUsers(), c.aliasDrainTimeout());
        }
    }

    private final TunnelRegistry registry;
    private final Settings settings;
    private final ScheduledExecutorService scheduler;

    private final MemoryBudget memory;

    private final RemoteAliases remote;

    /** @param remote aliases held on other cluster nodes, or null (a single node) */
    AliasChannelFactory(TunnelRegistry registry, Settings settings, ScheduledExecutorService scheduler,
                        MemoryBudget memory, RemoteAliases remote) {
        this.remote = remote;
        this.memory = memory;
        this.registry = registry;
        this.settings = settings;
        this.scheduler = scheduler;
    }

    @Override
    public String getName() {
        return "direct-tcpip";
    }

    @Override
    public Channel createChannel(Session session) {
        // sish's --idle-connection covers alias streams too
        return new AliasChannel(key -> registry.group(Tunnel.TunnelType.ALIAS, key).orElse(null), this::refusal,
                settings.idleConnection() ? new IdleWatch(settings.idleConnectionTimeout()) : null, scheduler,
                settings.logToClient(), memory,
                settings.tcpAliasesAllowedUsers() ? null : remote, // another node's alias: its owner's list is not here
                settings.drainTimeout());
    }

    private String refusal(Tunnel alias, ClientConnection requester) {
        if (!settings.tcpAliasesAllowedUsers()) {
            return null;
        }
        String fp = requester.keyFingerprint();
        if (alias.owner() instanceof ClientConnection owner) {
            if (fp != null && fp.equals(owner.keyFingerprint())) {
                return null;
            }
            String allowed = owner.option("tcp-aliases-allowed-users");
            if (allowed != null) {
                if (Arrays.stream(allowed.split(",")).map(String::trim).anyMatch(a -> a.equals("any")
                        || fp != null && a.equals(fp))) {
                    return null;
                }
            }
        }
        return "your key is not allowed to use alias " + alias.host();
    }
}
