package io.tuns.server.cluster;

import io.tuns.server.tunnel.RouteHolder;
import io.tuns.server.tunnel.RouteLocation;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of the route change feed as {@link RedisScripts} wrote it: {@code route} now held at {@code location}
 * ({@code claimed}: a claim or a take-over) or freed by {@code was} ({@code gone}: a release). {@code seq} is the
 * entry's running number, {@code atMillis} Redis' clock when the change was made (the stream id's first part).
 */
record FeedEntry(long seq, long atMillis, String route, boolean claimed, RouteHolder holder, String address) {

    /** The entry, or empty when it is not one this version understands (skipped, never fatal). */
    static Optional<FeedEntry> parse(String id, Map<String, String> body) {
        try {
            String op = body.get("op");
            String route = body.get("r");
            String node = body.get("n");
            String owner = body.get("o");
            if (route == null || node == null || owner == null || !("claimed".equals(op) || "gone".equals(op))) {
                return Optional.empty();
            }
            long at = Long.parseLong(id.substring(0, id.indexOf('-')));
            return Optional.of(new FeedEntry(Long.parseLong(body.get("s")), at, route, "claimed".equals(op),
                    new RouteHolder(node, owner), body.getOrDefault("a", "")));
        } catch (RuntimeException e) { // a missing or malformed number or id
            return Optional.empty();
        }
    }

    RouteLocation location() {
        return new RouteLocation(route, holder, address);
    }
}
