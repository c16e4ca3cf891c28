package io.tuns.alertbot.alerts;

/** Counts notifications by channel (irc, email) and result; the metrics implement it. */
@FunctionalInterface
public interface NotificationCounter {
    void count(String channel, String result);
}
