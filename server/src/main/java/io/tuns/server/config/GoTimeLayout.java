package io.tuns.server.config;

import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * sish's {@code --time-format} is a Go layout: the reference time {@code Mon Jan 2 15:04:05 MST 2006} written
 * the way it should look. This turns one into a {@link DateTimeFormatter}; as in Go, text that is not a layout
 * element is printed as it is, so every string is a valid layout.
 */
public final class GoTimeLayout {

    private GoTimeLayout() {
    }

    public static DateTimeFormatter toFormatter(String layout) {
        DateTimeFormatterBuilder b = new DateTimeFormatterBuilder();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < layout.length()) {
            int used = element(layout, i, b, literal);
            if (used == 0) {
                literal.append(layout.charAt(i));
                i++;
            } else {
                i += used;
            }
        }
        flush(b, literal);
        return b.toFormatter(Locale.ENGLISH);
    }

    /** Appends the layout element starting at {@code i}, if any; returns its length, or 0 for a literal char. */
    private static int element(String s, int i, DateTimeFormatterBuilder b, StringBuilder literal) {
        // longest first, so "January" is not read as "Jan" + "uary", nor "2006" as "2" + "006"
        String[] tokens = {"January", "Monday", "Z07:00:00", "-07:00:00", "Z070000", "-070000", "Z07:00", "-07:00",
            "Z0700", "-0700", "2006", "Jan", "Mon", "MST", "Z07", "-07", "002", "__2", "_2", "15", "01", "02",
            "03", "04", "05", "06", "PM", "pm", "1", "2", "3", "4", "5"};
        for (String t : tokens) {
            if (!s.startsWith(t, i)) {
                continue;
            }
            // Go: "Jan"/"Mon" only count when not followed by a lower-case letter ("Monkey" is literal)
            if ((t.equals("Jan") || t.equals("Mon")) && i + 3 < s.length() && Character.isLowerCase(s.charAt(i + 3))) {
                continue;
            }
            flush(b, literal);
            switch (t) {
                case "January" -> b.appendText(ChronoField.MONTH_OF_YEAR, TextStyle.FULL);
                case "Jan" -> b.appendText(ChronoField.MONTH_OF_YEAR, TextStyle.SHORT);
                case "Monday" -> b.appendText(ChronoField.DAY_OF_WEEK, TextStyle.FULL);
                case "Mon" -> b.appendText(ChronoField.DAY_OF_WEEK, TextStyle.SHORT);
                case "MST" -> b.appendZoneText(TextStyle.SHORT);
                case "2006" -> b.appendValue(ChronoField.YEAR, 4, 10, SignStyle.NORMAL);
                case "06" -> b.appendValueReduced(ChronoField.YEAR, 2, 2, 2000);
                case "01" -> b.appendValue(ChronoField.MONTH_OF_YEAR, 2);
                case "1" -> b.appendValue(ChronoField.MONTH_OF_YEAR);
                case "02" -> b.appendValue(ChronoField.DAY_OF_MONTH, 2);
                case "2" -> b.appendValue(ChronoField.DAY_OF_MONTH);
                case "_2" -> b.padNext(2).appendValue(ChronoField.DAY_OF_MONTH);
                case "002" -> b.appendValue(ChronoField.DAY_OF_YEAR, 3);
                case "__2" -> b.padNext(3).appendValue(ChronoField.DAY_OF_YEAR);
                case "15" -> b.appendValue(ChronoField.HOUR_OF_DAY, 2);
                case "03" -> b.appendValue(ChronoField.CLOCK_HOUR_OF_AMPM, 2);
                case "3" -> b.appendValue(ChronoField.CLOCK_HOUR_OF_AMPM);
                case "04" -> b.appendValue(ChronoField.MINUTE_OF_HOUR, 2);
                case "4" -> b.appendValue(ChronoField.MINUTE_OF_HOUR);
                case "05" -> b.appendValue(ChronoField.SECOND_OF_MINUTE, 2);
                case "5" -> b.appendValue(ChronoField.SECOND_OF_MINUTE);
                case "PM", "pm" -> b.appendText(ChronoField.AMPM_OF_DAY, TextStyle.SHORT); // Java prints AM/PM
                case "-0700" -> b.appendOffset("+HHMM", "+0000");
                case "-07:00" -> b.appendOffset("+HH:MM", "+00:00");
                case "-07" -> b.appendOffset("+HH", "+00");
                case "-070000" -> b.appendOffset("+HHMMSS", "+000000");
                case "-07:00:00" -> b.appendOffset("+HH:MM:SS", "+00:00:00");
                case "Z0700" -> b.appendOffset("+HHMM", "Z");
                case "Z07:00" -> b.appendOffset("+HH:MM", "Z");
                case "Z07" -> b.appendOffset("+HH", "Z");
                case "Z070000" -> b.appendOffset("+HHMMSS", "Z");
                case "Z07:00:00" -> b.appendOffset("+HH:MM:SS", "Z");
                default -> throw new IllegalStateException(t);
            }
            int used = t.length();
            // fractional seconds: ".000"/",000" (fixed) or ".999" (trailing zeros dropped) right after seconds
            if ((t.equals("05") || t.equals("5")) && i + used + 1 < s.length()
                    && (s.charAt(i + used) == '.' || s.charAt(i + used) == ',')) {
                char digit = s.charAt(i + used + 1);
                if (digit == '0' || digit == '9') {
                    int n = 0;
                    while (i + used + 1 + n < s.length() && s.charAt(i + used + 1 + n) == digit && n < 9) {
                        n++;
                    }
                    b.appendLiteral(s.charAt(i + used));
                    b.appendFraction(ChronoField.NANO_OF_SECOND, digit == '0' ? n : 0, n, false);
                    used += 1 + n;
                }
            }
            return used;
        }
        return 0;
    }

    private static void flush(DateTimeFormatterBuilder b, StringBuilder literal) {
        if (!literal.isEmpty()) {
            b.appendLiteral(literal.toString());
            literal.setLength(0);
        }
    }
}
