package io.tuns.server.inspect;

/** A listener's registration on a tunnel; closing it detaches the listener. Idempotent. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
