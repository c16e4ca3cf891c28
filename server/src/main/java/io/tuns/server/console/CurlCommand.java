package io.tuns.server.console;

import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/** "Copy as curl": a POSIX-shell-safe command line that repeats a captured request against the public URL. */
final class CurlCommand {

    /** Headers curl sets itself or that would break the repeat. */
    private static final Set<String> SKIPPED = Set.of("host", "content-length", "connection", "transfer-encoding",
            "keep-alive", "proxy-connection", "upgrade", "te", "trailer");

    private CurlCommand() {
    }

    static String of(Exchange e, String baseUrl) {
        StringBuilder cmd = new StringBuilder("curl");
        if (!"GET".equals(e.method())) {
            cmd.append(" -X ").append(quote(e.method()));
        }
        cmd.append(' ').append(quote(baseUrl + e.uri()));
        for (HeaderField h : e.requestHeaders()) {
            if (SKIPPED.contains(h.name().toLowerCase(Locale.ROOT))) {
                continue;
            }
            String value = h.redacted() ? "REDACTED" : h.value();
            cmd.append(" \\\n  -H ").append(quote(h.name() + ": " + value));
        }
        byte[] body = e.requestBody().bytes();
        if (body.length > 0) {
            cmd.append(" \\\n  --data-binary ").append(quote(new String(body, StandardCharsets.UTF_8)));
            if (e.requestBody().truncated()) {
                cmd.append(" # body truncated at capture: ").append(body.length).append(" of ")
                        .append(e.requestBody().observedBytes()).append(" bytes");
            }
        }
        return cmd.toString();
    }

    /** Single quotes: nothing inside is special to the shell except the quote itself. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
