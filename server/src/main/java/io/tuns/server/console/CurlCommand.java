package io.tuns.server.console;

import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
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
            // Binary cannot live in a shell string: curl reads it from the file the console offers for download.
            cmd.append(" \\\n  --data-binary ").append(needsBodyFile(body) ? "@" + quote(bodyFileName(e))
                    : quote(new String(body, StandardCharsets.UTF_8)));
            if (e.requestBody().truncated()) {
                cmd.append(" # body truncated at capture: ").append(body.length).append(" of ")
                        .append(e.requestBody().observedBytes()).append(" bytes");
            }
        }
        return cmd.toString();
    }

    /** True when the body is not plain UTF-8 text (invalid UTF-8, or control characters other than tab and line ends). */
    static boolean needsBodyFile(byte[] body) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        String text;
        try {
            text = utf8.decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return true;
        }
        return text.chars().anyMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f);
    }

    /** The name the console's raw-body download uses, so the command works as pasted next to the file. */
    static String bodyFileName(Exchange e) {
        return e.id() + "-request.bin";
    }

    /** Single quotes: nothing inside is special to the shell except the quote itself. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
