package io.tuns.alertbot.mail;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One e-mail as stored in the outbox. {@code messageId} is ours (incident threading); {@code inReplyTo} links a
 * reminder or recovery to the incident's first mail.
 */
public record OutboxMail(String messageId, Optional<String> inReplyTo, List<String> to, String subject, String body,
                         Instant createdAt, String kind) {}
