package io.tuns.alertbot.mail;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;

/** Formatting shared by every mail: UTC plus the configured zone, short durations, our Message-IDs. */
public final class MailText {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz", Locale.ROOT);
    private final ZoneId zone;
    private final String domain;

    public MailText(ZoneId zone, String fromAddress) {
        this.zone = zone;
        int at = fromAddress.indexOf('@');
        this.domain = at < 0 ? "tuns-alertbot" : fromAddress.substring(at + 1);
    }

    /** {@code 2024-05-27T15:02:00Z (11:02:00 EDT)}: never ambiguous, still readable for the team. */
    public String time(Instant t) {
        if (t == null) {
            return "never";
        }
        String utc = t.truncatedTo(ChronoUnit.SECONDS).toString();
        if (zone.equals(ZoneOffset.UTC) || zone.getId().equals("UTC")) {
            return utc;
        }
        return utc + " (" + LOCAL.format(t.atZone(zone)) + ")";
    }

    public static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        long days = s / 86400;
        long h = (s % 86400) / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        StringBuilder sb = new StringBuilder();
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0 && days == 0) {
            sb.append(m).append('m');
        }
        if (sb.length() == 0 || (days == 0 && h == 0 && sec > 0)) {
            sb.append(sec).append('s');
        }
        return sb.toString();
    }

    public String newMessageId(String kind) {
        return "<" + kind + "." + UUID.randomUUID() + "@" + domain + ">";
    }
}
