package io.tuns.alertbot.alerts;

import java.util.List;

/** The IRC side of the relay ({@code IrcLink::deliver}). */
@FunctionalInterface
public interface ChannelSink {
    boolean deliver(List<String> lines, Runnable onUnconfirmed);
}
