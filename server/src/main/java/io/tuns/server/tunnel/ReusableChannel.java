package io.tuns.server.tunnel;

/**
 * A channel handed to a {@link ChannelSink} that may carry another exchange after this one instead of closing (a
 * hop connection to the cluster node that holds a route). The sink calls {@link #recycle} only at a message
 * boundary: its exchange complete and every byte it wrote sent.
 */
public interface ReusableChannel {

    /** The sink is done with the channel: it goes back to its pool (or closes); the sink hears nothing more. */
    void recycle();
}
