package io.tuns.alertbot.mail;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * One e-mail as stored in the outbox. {@code messageId} is ours (incident threading); {@code inReplyTo} links a
 * reminder or recovery to the incident's first mail.
 */
public record OutboxMail(String messageId, Optional<String> inReplyTo, List<String> to, String subject, String body,
                         Instant createdAt, String kind) {
    /** A mail that waited at least this long says so, since its durations are as of queueing. */
    static final Duration DELAY_WORTH_SAYING = Duration.ofMinutes(1);

    public MailClass mailClass() {
        return MailClass.of(kind);
    }

    /** The mail as sent at {@code now}: one line up front when it waited in the outbox, so no duration is stale. */
    public OutboxMail asSentAt(Instant now) {
        Duration waited = Duration.between(createdAt, now);
        if (waited.compareTo(DELAY_WORTH_SAYING) < 0) {
            return this;
        }
        String note = "(Written at " + createdAt.truncatedTo(ChronoUnit.SECONDS) + ", sent " + MailText.duration(waited)
                + " later: the SMTP server was unreachable or the hourly mail budget was spent. Durations below are"
                + " as of writing.)\n\n";
        return new OutboxMail(messageId, inReplyTo, to, subject, note + body, createdAt, kind);
    }
}
