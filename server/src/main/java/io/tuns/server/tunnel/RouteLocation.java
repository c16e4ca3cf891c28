package io.tuns.server.tunnel;

/** A live route found in the {@link RouteStore}: its key, its holder and the holder node's cluster address. */
public record RouteLocation(String route, RouteHolder holder, String address) {
}
