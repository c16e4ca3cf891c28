package io.tuns.alertbot.irc;

import java.time.Instant;

/**
 * A PRIVMSG seen on the link: in the channel, or direct ({@code direct} true) to the bot's nick. {@code at} is when
 * it was said (the bouncer's server-time when it sent one); {@code playedBack} marks lines the bouncer buffered
 * while the bot was offline and replays on connect.
 */
public record ChatMessage(Instant at, String from, String target, String text, boolean direct, boolean playedBack) {
    public ChatMessage(Instant at, String from, String target, String text, boolean direct) {
        this(at, from, target, text, direct, false);
    }
}
