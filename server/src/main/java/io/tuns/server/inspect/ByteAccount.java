package io.tuns.server.inspect;

/** Where captured bytes are charged. Implementations never wait: a charge either succeeds at once or fails. */
interface ByteAccount {

    /** Charges {@code bytes} if they fit; false (and nothing charged) otherwise. */
    boolean tryCharge(long bytes);

    /** Gives back bytes charged earlier. */
    void release(long bytes);
}
