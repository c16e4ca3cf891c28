package io.tuns.alertbot.irc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One parsed IRC line: {@code [@tags] [:prefix] COMMAND params... [:trailing]}. Tags (IRCv3: {@code time},
 * {@code batch}) are kept with their values unescaped only as far as we read them; at most {@link #MAX_TAGS}.
 */
public record IrcLine(Map<String, String> tags, String prefix, String command, List<String> params) {
    static final int MAX_TAGS = 32;

    public IrcLine(String prefix, String command, List<String> params) {
        this(Map.of(), prefix, command, params);
    }

    public static IrcLine parse(String raw) {
        String s = raw;
        Map<String, String> tags = new LinkedHashMap<>();
        if (s.startsWith("@")) {
            int sp = s.indexOf(' ');
            String tagPart = sp < 0 ? s.substring(1) : s.substring(1, sp);
            for (String t : tagPart.split(";")) {
                if (tags.size() >= MAX_TAGS || t.isEmpty()) {
                    continue;
                }
                int eq = t.indexOf('=');
                tags.put(eq < 0 ? t : t.substring(0, eq), eq < 0 ? "" : t.substring(eq + 1));
            }
            s = sp < 0 ? "" : s.substring(sp + 1);
        }
        String prefix = "";
        if (s.startsWith(":")) {
            int sp = s.indexOf(' ');
            prefix = sp < 0 ? s.substring(1) : s.substring(1, sp);
            s = sp < 0 ? "" : s.substring(sp + 1);
        }
        List<String> params = new ArrayList<>();
        String command = "";
        while (!s.isEmpty()) {
            if (s.startsWith(":") && !command.isEmpty()) {
                params.add(s.substring(1));
                break;
            }
            int sp = s.indexOf(' ');
            String word = sp < 0 ? s : s.substring(0, sp);
            s = sp < 0 ? "" : s.substring(sp + 1).stripLeading();
            if (command.isEmpty()) {
                command = word.toUpperCase(Locale.ROOT);
            } else if (!word.isEmpty()) {
                params.add(word);
            }
        }
        return new IrcLine(Map.copyOf(tags), prefix, command, List.copyOf(params));
    }

    /** A tag's value, or "" when absent. */
    public String tag(String name) {
        return tags.getOrDefault(name, "");
    }

    /** Nick part of the prefix ({@code nick!user@host}), or the server name. */
    public String nick() {
        int bang = prefix.indexOf('!');
        return bang < 0 ? prefix : prefix.substring(0, bang);
    }

    public String param(int i) {
        return i < params.size() ? params.get(i) : "";
    }

    public String last() {
        return params.isEmpty() ? "" : params.get(params.size() - 1);
    }
}
