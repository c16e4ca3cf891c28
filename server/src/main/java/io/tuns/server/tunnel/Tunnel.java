package io.tuns.server.tunnel;

import java.time.Instant;

/**
 * One accepted {@code tcpip-forward}. {@code bindAddress} and {@code bindPort} are exactly what the client sent
 * (OpenSSH matches its forward on them); {@code host} is the public name it was given (HTTP: the host name;
 * alias: {@code name:port}; TCP: {@code domain:port}).
 */
public record Tunnel(TunnelType type, String host, String bindAddress, int bindPort, TunnelOwner owner,
                     String consoleToken, Instant createdAt, TunnelOptions options) {

    public Tunnel(TunnelType type, String host, String bindAddress, int bindPort, TunnelOwner owner,
                  String consoleToken, Instant createdAt) {
        this(type, host, bindAddress, bindPort, owner, consoleToken, createdAt, TunnelOptions.NONE);
    }

    /** The routing key within its type: HTTP tunnels are keyed by host and bound path. */
    public String routeKey() {
        return type == TunnelType.HTTP ? host + options.path() : host;
    }

    // Identity, not value: two forwards with equal fields are still two tunnels.
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    public enum TunnelType {
        HTTP("http"), TCP("tcp"), ALIAS("alias"), SNI("sni");

        private final String label;

        TunnelType(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
