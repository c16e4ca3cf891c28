package io.tuns.server.tunnel;

import java.time.Instant;

/**
 * One accepted {@code tcpip-forward}. {@code bindAddress} and {@code bindPort} are exactly what the client sent
 * (OpenSSH matches its forward on them); {@code host} is the public name it was given.
 */
public record Tunnel(TunnelType type, String host, String bindAddress, int bindPort, TunnelOwner owner,
                     String consoleToken, Instant createdAt) {

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
