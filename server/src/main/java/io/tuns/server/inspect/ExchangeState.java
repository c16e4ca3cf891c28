package io.tuns.server.inspect;

public enum ExchangeState {
    /** Request or response still flowing. */
    OPEN,
    /** Both request and response ended normally. */
    COMPLETE,
    /** A 101 was relayed; what follows is another protocol and is not captured. */
    UPGRADED,
    /** The connection failed or was closed before the exchange ended. */
    ABORTED
}
