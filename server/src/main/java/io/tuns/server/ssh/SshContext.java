package io.tuns.server.ssh;

import io.tuns.server.access.IpFilter;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.memory.MemoryBudget;
import io.tuns.server.tcp.PortRange;
import io.tuns.server.tcp.SniListeners;
import io.tuns.server.tcp.TcpListeners;
import io.tuns.server.tunnel.DnsOwnership;
import io.tuns.server.tunnel.ForwardOwnership;
import io.tuns.server.tunnel.HostPolicy;
import io.tuns.server.tunnel.NameAllocator;
import io.tuns.server.tunnel.PublicUrls;
import io.tuns.server.tunnel.TunnelRegistry;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * What every ssh connection shares: configuration, the routing table, the executors, the global channel
 * limit, the memory budget. {@code tunnelExecutor} runs forward decisions in order; {@code scheduler} runs timers only.
 * {@code consoleTokens} gives a tunnel its console token (the console's token book, passed in by the wiring so
 * that ssh does not depend on the console).
 */
public record SshContext(ServerConfig config,
                         TunnelRegistry registry,
                         ForwardOwnership ownership,
                         NameAllocator names,
                         HostPolicy hosts,
                         DnsOwnership dns,
                         Supplier<PublicUrls> urls,
                         ConsoleTokenSource consoleTokens,
                         ExecutorService tunnelExecutor,
                         ScheduledExecutorService scheduler,
                         Semaphore forwardedChannels,
                         SshEvents events,
                         TcpListeners tcpListeners,
                         PortRange portRange,
                         SniListeners sniListeners,
                         IpFilter ipFilter,
                         MemoryBudget memory) {
}
