package io.tuns.alertbot.irc;

import java.util.ArrayList;
import java.util.List;

/** One parsed IRC line: {@code [@tags] [:prefix] COMMAND params... [:trailing]}. */
public record IrcLine(String prefix, String command, List<String> params) {

    public static IrcLine parse(String raw) {
        String s = raw;
        if (s.startsWith("@")) {
            int sp = s.indexOf(' ');
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
                command = word.toUpperCase(java.util.Locale.ROOT);
            } else if (!word.isEmpty()) {
                params.add(word);
            }
        }
        return new IrcLine(prefix, command, List.copyOf(params));
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
