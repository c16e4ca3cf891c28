package io.tuns.server.http;

/** What the HTTP side reports (metrics). Must return quickly; called on event loops. */
public interface HttpEvents {

    default void request(int status, double seconds) {
    }

    /** @param direction "in" (client → tunnel) or "out" (tunnel → client) */
    default void bytes(String direction, long n) {
    }

    HttpEvents NONE = new HttpEvents() {
    };
}
