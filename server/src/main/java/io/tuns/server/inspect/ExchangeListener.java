package io.tuns.server.inspect;

/**
 * Told about a tunnel's exchanges as they happen. Called on proxy event loops, so an implementation must return at
 * once and never block or buffer (the console drops events for viewers that cannot take them).
 */
public interface ExchangeListener {

    enum Event { STARTED, RESPONDED, ENDED }

    void exchange(Exchange exchange, Event event);

    /** The tunnel went away and its history was freed. */
    default void tunnelClosed() { }
}
