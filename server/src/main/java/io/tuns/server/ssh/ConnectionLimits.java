package io.tuns.server.ssh;

import io.tuns.server.config.ServerConfig;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits one ssh connection is held to: forwards it may hold ({@code --max-forwards-per-connection}) and
 * tunnel connections open at once, its own ({@code --max-channels-per-connection}) and the server's
 * ({@code --max-forwarded-channels}, a semaphore shared by every connection).
 */
final class ConnectionLimits {

    record Settings(int maxForwardsPerConnection, int maxChannelsPerConnection, int maxForwardedChannels) {

        static Settings of(ServerConfig c) {
            return new Settings(c.maxForwardsPerConnection(), c.maxChannelsPerConnection(), c.maxForwardedChannels());
        }
    }

    private final Settings s;
    private final Semaphore serverChannels;
    private final AtomicInteger openChannels = new AtomicInteger();

    ConnectionLimits(Settings settings, Semaphore serverChannels) {
        this.s = settings;
        this.serverChannels = serverChannels;
    }

    /** Null when one more forward fits beside the {@code held} ones, else the refusal for the user. */
    String forwardRefusal(int held) {
        return held < s.maxForwardsPerConnection() ? null : SessionText.tooManyForwards(held);
    }

    /**
     * Takes one channel slot of this connection and one of the server; null when both were free, else why not
     * (and nothing is held). Every null must be matched by one {@link #releaseChannel()}.
     */
    String tryOpenChannel() {
        if (openChannels.incrementAndGet() > s.maxChannelsPerConnection()) {
            openChannels.decrementAndGet();
            return "this tunnel has " + s.maxChannelsPerConnection()
                    + " connections open, the most allowed (--max-channels-per-connection)";
        }
        if (!serverChannels.tryAcquire()) {
            openChannels.decrementAndGet();
            return "the server has " + s.maxForwardedChannels()
                    + " tunnel connections open, the most allowed (--max-forwarded-channels)";
        }
        return null;
    }

    void releaseChannel() {
        openChannels.decrementAndGet();
        serverChannels.release();
    }

    int openChannels() {
        return openChannels.get();
    }
}
