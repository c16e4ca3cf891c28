package io.tuns.server.console;

import io.tuns.server.inspect.Exchange;
import io.tuns.server.inspect.HeaderField;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The console's list filters, also used for the filtered HAR export, so the file matches the list on screen.
 * method: comma list (GET,POST); status: codes or classes (200, 4xx, 5xx; "pending" for no response yet);
 * path: substring of the path; q: free text over method, URI, status, client IP and header names and values.
 */
record ExchangeFilter(Set<String> methods, List<String> statuses, String path, String text) {

    private static final Pattern VALID_STATUS = Pattern.compile("(?i)[1-5][0-9][0-9]|[1-5]xx|pending");

    static final ExchangeFilter ALL = new ExchangeFilter(Set.of(), List.of(), "", "");

    /** @throws IllegalArgumentException naming the bad value, for a status that is not a code, a class or "pending" */
    static ExchangeFilter from(Map<String, List<String>> params) {
        for (String s : split(param(params, "status"))) {
            if (!VALID_STATUS.matcher(s).matches()) {
                throw new IllegalArgumentException("'" + s + "' is not a status filter: use codes like 200 or 404,"
                        + " classes like 2xx or 5xx, or 'pending', separated by commas.");
            }
        }
        return new ExchangeFilter(
                split(param(params, "method")).stream().map(s -> s.toUpperCase(Locale.ROOT))
                        .collect(Collectors.toUnmodifiableSet()),
                split(param(params, "status")).stream().map(s -> s.toLowerCase(Locale.ROOT)).toList(),
                param(params, "path"),
                param(params, "q").toLowerCase(Locale.ROOT));
    }

    boolean matches(Exchange e) {
        if (!methods.isEmpty() && !methods.contains(e.method().toUpperCase(Locale.ROOT))) {
            return false;
        }
        if (!statuses.isEmpty() && statuses.stream().noneMatch(s -> statusMatches(s, e.status()))) {
            return false;
        }
        if (!path.isEmpty() && !pathOf(e.uri()).contains(path)) {
            return false;
        }
        return text.isEmpty() || textMatches(e);
    }

    static boolean statusMatches(String want, int status) {
        if (want.equals("pending")) {
            return status == 0;
        }
        if (want.length() == 3 && want.endsWith("xx") && Character.isDigit(want.charAt(0))) {
            return status / 100 == want.charAt(0) - '0';
        }
        return want.equals(Integer.toString(status));
    }

    private boolean textMatches(Exchange e) {
        if (contains(e.method()) || contains(e.uri()) || contains(Integer.toString(e.status()))
                || contains(e.clientIp())) {
            return true;
        }
        for (List<HeaderField> headers : List.of(e.requestHeaders(), e.responseHeaders())) {
            for (HeaderField h : headers) {
                if (contains(h.name()) || contains(h.value())) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean contains(String s) {
        return s != null && s.toLowerCase(Locale.ROOT).contains(text);
    }

    static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private static String param(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? "" : v.get(0).trim();
    }

    private static List<String> split(String s) {
        return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
