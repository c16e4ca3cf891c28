package io.tuns.alertbot.alerts;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.AlertbotConfig.Person;
import io.tuns.alertbot.irc.ChatMessage;
import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.OutboxMail;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Mentions of configured nicks (and direct messages to the bot, for people who opted in) are batched into one mail
 * per person every {@code batch-interval}. A person who speaks on IRC has seen the channel: their queue is cleared
 * and nothing is mailed while they were active within {@code active-window}. Each queue holds at most
 * {@code max-queued-per-person} messages; older ones are dropped and counted in the mail.
 */
public final class MentionForwarder {
    private final AlertbotConfig.Mentions cfg;
    private final Clock clock;
    private final MailSink mail;
    private final MailText text;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, Pattern> patterns = new HashMap<>();

    private static final class Pending {
        final ArrayDeque<ChatMessage> messages = new ArrayDeque<>();
        int dropped;
        Instant lastActive;
    }

    public MentionForwarder(AlertbotConfig.Mentions cfg, Clock clock, MailSink mail, MailText text) {
        this.cfg = cfg;
        this.clock = clock;
        this.mail = mail;
        this.text = text;
        for (Person p : cfg.people()) {
            pending.put(key(p), new Pending());
            patterns.put(key(p), Pattern.compile("(?i)(?<![\\w\\-\\[\\]`^{}|])" + Pattern.quote(p.nick())
                    + "(?![\\w\\-\\[\\]`^{}|])"));
        }
    }

    private static String key(Person p) {
        return p.nick().toLowerCase(Locale.ROOT);
    }

    public synchronized void onMessage(ChatMessage m) {
        for (Person p : cfg.people()) {
            Pending q = pending.get(key(p));
            if (m.from().equalsIgnoreCase(p.nick())) {
                q.lastActive = m.at();
                q.messages.clear();
                q.dropped = 0;
                continue;
            }
            boolean relevant = m.direct() ? p.directMessages() : patterns.get(key(p)).matcher(m.text()).find();
            if (relevant) {
                if (q.messages.size() >= cfg.maxQueuedPerPerson()) {
                    q.messages.pollFirst();
                    q.dropped++;
                }
                q.messages.addLast(m);
            }
        }
    }

    /** Called every batch-interval. */
    public synchronized void flush() {
        Instant now = clock.instant();
        for (Person p : cfg.people()) {
            Pending q = pending.get(key(p));
            if (q.messages.isEmpty()) {
                continue;
            }
            if (q.lastActive != null && Duration.between(q.lastActive, now).compareTo(cfg.activeWindow()) < 0) {
                continue;
            }
            StringBuilder body = new StringBuilder("While you were away from IRC:\n\n");
            for (ChatMessage m : q.messages) {
                body.append(text.time(m.at())).append("  ").append(m.direct() ? "(direct)" : m.target())
                        .append(m.playedBack() ? "  (played back by the bouncer)" : "")
                        .append("  <").append(m.from()).append("> ").append(m.text()).append('\n');
            }
            if (q.dropped > 0) {
                body.append("\n(").append(q.dropped).append(" earlier messages omitted)\n");
            }
            int n = q.messages.size() + q.dropped;
            boolean ok = mail.enqueue(new OutboxMail(text.newMessageId("mentions"), Optional.empty(),
                    List.of(p.email()), "[IRC] " + n + " message" + (n == 1 ? "" : "s") + " for " + p.nick(),
                    body.toString(), now, "mentions"));
            if (ok) {
                q.messages.clear();
                q.dropped = 0;
            }
        }
    }

    public synchronized int queued(String nick) {
        Pending q = pending.get(nick.toLowerCase(Locale.ROOT));
        return q == null ? 0 : q.messages.size();
    }
}
