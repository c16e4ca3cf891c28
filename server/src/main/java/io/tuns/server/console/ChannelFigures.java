package io.tuns.server.console;

import java.time.Instant;

/**
 * What went through an ssh connection or one of its tunnels, read now: connections open and bytes carried
 * (monotonic, so the admin page derives rates from two readings). Bytes are on the ssh channels, headers
 * included: "in" towards the ssh client (visitors' requests), "out" from it (its services' responses).
 *
 * @param since when the connection or tunnel began (its uptime); null if unknown
 */
public record ChannelFigures(int openChannels, long bytesIn, long bytesOut, Instant since) {

    public static final ChannelFigures NONE = new ChannelFigures(0, 0, 0, null);
}
