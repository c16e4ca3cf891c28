package io.tuns.alertbot.irc;

import java.time.Instant;

/** A PRIVMSG seen on the link: in the channel, or direct ({@code direct} true) to the bot's nick. */
public record ChatMessage(Instant at, String from, String target, String text, boolean direct) {}
