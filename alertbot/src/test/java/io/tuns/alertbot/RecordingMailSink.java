package io.tuns.alertbot;

import io.tuns.alertbot.mail.MailSink;
import io.tuns.alertbot.mail.OutboxMail;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what would be mailed; unit tests of mail *decisions* (the SMTP path is tested with GreenMail). */
public final class RecordingMailSink implements MailSink {
    public final List<OutboxMail> mails = new CopyOnWriteArrayList<>();

    @Override
    public boolean enqueue(OutboxMail mail) {
        mails.add(mail);
        return true;
    }

    public List<String> subjects() {
        return mails.stream().map(OutboxMail::subject).toList();
    }
}
