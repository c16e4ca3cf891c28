package io.tuns.server.metrics;

import java.util.Set;

/** Keeps label values bounded: enumerated labels fold unknown values into "other", free-form ones are cut. */
final class LabelValues {
    static final String OTHER = "other";

    /** Long enough for a hostname-based tunnel URL; an SSH user name of 10 KB must not land in every scrape. */
    static final int MAX_FREE_FORM_LENGTH = 256;

    static final Set<String> TUNNEL_TYPES = Set.of("http", "tcp", "alias", "sni");
    static final Set<String> AUTH_METHODS = Set.of("publickey", "password", "none", "keyboard-interactive");
    static final Set<String> FORWARD_RESULTS = Set.of("ok", "denied", "conflict", "invalid", "error");
    static final Set<String> DIRECTIONS = Set.of("in", "out");
    static final Set<String> CHANNEL_FAILURES = Set.of("refused", "timeout", "limit", "closed", "memory");
    static final Set<String> TRUNCATION_REASONS = Set.of("limit", "budget");
    static final Set<String> STATUS_CLASSES = Set.of("1xx", "2xx", "3xx", "4xx", "5xx");

    private LabelValues() {
    }

    static String oneOf(String value, Set<String> allowed) {
        return value != null && allowed.contains(value) ? value : OTHER;
    }

    static String freeForm(String value) {
        if (value == null) {
            return "";
        }
        return value.length() <= MAX_FREE_FORM_LENGTH ? value : value.substring(0, MAX_FREE_FORM_LENGTH);
    }

    /** "2xx" for 200..299; "other" for anything outside 100..599 (e.g. 0 when the client went away first). */
    static String statusClass(int status) {
        return status >= 100 && status <= 599 ? (status / 100) + "xx" : OTHER;
    }
}
