package io.tuns.server.inspect;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Copies headers out of Netty's (pooled, mutable) objects, replacing secrets before they are shown: what the history
 * exposes (console, HAR, curl) holds {@link HeaderField#REDACTED}. For request heads, {@link #split} also returns
 * the original secret values apart, so a replay can send them without them ever reaching a browser.
 */
public final class HeaderRedactor {

    /** Rough per-header object overhead charged on top of the characters (record + two Strings). */
    static final int HEADER_OVERHEAD_BYTES = 64;

    private final Set<String> redactedNames;

    public HeaderRedactor(List<String> redactedNames) {
        this.redactedNames = redactedNames == null ? Set.of() : redactedNames.stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    public List<HeaderField> copy(HttpHeaders headers) {
        if (headers == null || headers.isEmpty()) {
            return List.of();
        }
        List<HeaderField> out = new ArrayList<>(headers.size());
        for (Map.Entry<String, String> e : headers) {
            out.add(new HeaderField(e.getKey(), redacts(e.getKey()) ? HeaderField.REDACTED : e.getValue()));
        }
        return List.copyOf(out);
    }

    /** A request head as shown (redacted) plus the secret values it hid, in order. */
    public record Split(List<HeaderField> shown, List<SecretHeader> secrets) {
        static final Split EMPTY = new Split(List.of(), List.of());
    }

    public Split split(HttpHeaders headers) {
        if (headers == null || headers.isEmpty()) {
            return Split.EMPTY;
        }
        List<HeaderField> shown = new ArrayList<>(headers.size());
        List<SecretHeader> secrets = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (redacts(e.getKey())) {
                secrets.add(new SecretHeader(shown.size(), e.getKey(), e.getValue()));
                shown.add(new HeaderField(e.getKey(), HeaderField.REDACTED));
            } else {
                shown.add(new HeaderField(e.getKey(), e.getValue()));
            }
        }
        return new Split(List.copyOf(shown), List.copyOf(secrets));
    }

    public boolean redacts(String headerName) {
        return redactedNames.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** What a header list costs in memory, as charged to the capture budget (Latin-1 strings: a byte a char). */
    static long chargeFor(List<HeaderField> headers) {
        long bytes = 0;
        for (HeaderField h : headers) {
            bytes += HEADER_OVERHEAD_BYTES + h.name().length() + h.value().length();
        }
        return bytes;
    }

    /** What kept secret values cost, charged like header lines. */
    static long chargeForSecrets(List<SecretHeader> secrets) {
        long bytes = 0;
        for (SecretHeader h : secrets) {
            bytes += HEADER_OVERHEAD_BYTES + h.name().length() + h.value().length();
        }
        return bytes;
    }
}
