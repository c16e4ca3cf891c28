package io.tuns.server.ssh;

import io.tuns.server.tunnel.TunnelOwner;

/**
 * One {@code tcpip-forward} as the allocators see it: what the client sent (OpenSSH matches its channels on
 * {@code bindAddress} and {@code port}), who sent it, its session's commands and the PROXY version they give.
 */
record ForwardRequest(String bindAddress, int port, TunnelOwner owner, String user, String keyFingerprint,
                      SessionOptions options, int proxyProtocol) {
}
