package io.tuns.alertbot.mail;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.irc.VerifyingTrustManager;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.UnsupportedEncodingException;
import java.security.SecureRandom;
import java.util.Date;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Sends one mail over SMTP with Angus Mail: SMTPS or STARTTLS (required, no silent plaintext fallback), server
 * identity checked, every socket timeout finite. Blocking; only the outbox worker calls it.
 */
public final class Mailer {
    private final AlertbotConfig.Mail cfg;
    private final Session session;
    private final String protocol;

    public Mailer(AlertbotConfig.Mail cfg) {
        this.cfg = cfg;
        this.protocol = cfg.security() == AlertbotConfig.MailSecurity.SMTPS ? "smtps" : "smtp";
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        String ms = Long.toString(cfg.timeout().toMillis());
        props.put(p + "host", cfg.host());
        props.put(p + "port", Integer.toString(cfg.port()));
        props.put(p + "connectiontimeout", ms);
        props.put(p + "timeout", ms);
        props.put(p + "writetimeout", ms);
        props.put(p + "auth", Boolean.toString(cfg.username().isPresent()));
        props.put(p + "ssl.checkserveridentity", "true");
        if (cfg.security() == AlertbotConfig.MailSecurity.STARTTLS) {
            props.put(p + "starttls.enable", "true");
            props.put(p + "starttls.required", "true");
        }
        if (cfg.security() != AlertbotConfig.MailSecurity.PLAIN && cfg.trustCaFile().isPresent()) {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {VerifyingTrustManager.pkix(cfg.trustCaFile())}, new SecureRandom());
                props.put(p + "ssl.socketFactory", ctx.getSocketFactory());
            } catch (Exception e) {
                throw new IllegalStateException("mail.trust-ca-file: cannot load (" + e.getMessage() + ")", e);
            }
        }
        this.session = Session.getInstance(props);
    }

    public void send(OutboxMail mail) throws MessagingException {
        MimeMessage msg = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", mail.messageId());
            }
        };
        try {
            msg.setFrom(new InternetAddress(cfg.from(), "tuns alertbot", "UTF-8"));
        } catch (UnsupportedEncodingException e) {
            throw new MessagingException("bad from address", e);
        }
        Address[] to = new Address[mail.to().size()];
        for (int i = 0; i < to.length; i++) {
            to[i] = new InternetAddress(mail.to().get(i));
        }
        msg.setRecipients(Message.RecipientType.TO, to);
        // Labels end up in subjects: no CR/LF may reach the header.
        msg.setSubject(mail.subject().replaceAll("[\\r\\n]+", " "), "UTF-8");
        msg.setSentDate(new Date());
        msg.setHeader("Auto-Submitted", "auto-generated");
        msg.setHeader("X-Tuns-Alertbot-Kind", mail.kind());
        if (mail.inReplyTo().isPresent()) {
            msg.setHeader("In-Reply-To", mail.inReplyTo().get());
            msg.setHeader("References", mail.inReplyTo().get());
        }
        msg.setText(mail.body(), "UTF-8");
        msg.saveChanges();
        try (Transport t = session.getTransport(protocol)) {
            t.connect(cfg.host(), cfg.port(), cfg.username().orElse(null),
                    cfg.password().map(s -> s.reveal()).orElse(null));
            t.sendMessage(msg, msg.getAllRecipients());
        }
    }
}
