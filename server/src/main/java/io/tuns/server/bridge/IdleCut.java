package io.tuns.server.bridge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * sish's {@code --idle-connection} on a Netty connection: closes it after {@code timeout} with no byte read or
 * written. sish applies it to every proxied stream (HTTP, TCP, alias, SNI), so the TCP and SNI listeners add it.
 */
public final class IdleCut extends IdleStateHandler {

    public IdleCut(Duration timeout) {
        super(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        ctx.close();
    }
}
