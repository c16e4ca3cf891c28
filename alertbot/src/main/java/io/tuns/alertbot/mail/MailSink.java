package io.tuns.alertbot.mail;

/** Where notifications go to be e-mailed; the {@link Outbox} in production. */
public interface MailSink {
    /** Stores the mail for sending. False when it could not be stored (outbox full or disk error). */
    boolean enqueue(OutboxMail mail);
}
