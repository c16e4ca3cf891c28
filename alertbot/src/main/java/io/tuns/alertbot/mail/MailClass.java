package io.tuns.alertbot.mail;

/**
 * Mail classes with their own outbox bound and hourly budget, so that relayed alerts and mentions can never delay
 * the mails that say the alert path itself is broken (the incident's DOWN mail once sat an hour behind alerts).
 */
public enum MailClass {
    /** DOWN / STILL DOWN / RECOVERED, pipeline SILENT / back, the test mail: sent first, own budget. */
    INCIDENT("i-"),
    /** Relayed alerts, forwarded mentions, summaries: what the hourly limit is for. */
    BULK("b-");

    private final String filePrefix;

    MailClass(String filePrefix) {
        this.filePrefix = filePrefix;
    }

    /** Outbox file names start with this, so a restart sorts files back into their class without reading them. */
    public String filePrefix() {
        return filePrefix;
    }

    /** The class of a mail by its kind (see {@link OutboxMail#kind}). */
    public static MailClass of(String kind) {
        return kind.startsWith("incident-") || kind.startsWith("heartbeat-") || kind.equals("test") ? INCIDENT : BULK;
    }
}
