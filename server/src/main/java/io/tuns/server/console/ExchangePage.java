package io.tuns.server.console;

import io.tuns.server.inspect.Exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One page of a tunnel's history for the console's list: newest first, the {@code limit} matching exchanges older
 * than the cursor {@code before} (an exchange id), plus the true counts so the page never guesses. Pure: the caller
 * passes the history snapshot.
 *
 * @param total      exchanges in the history, matching or not
 * @param matched    exchanges in the history that match the filter
 * @param nextBefore cursor for the next (older) page, or -1 when this page reaches the oldest match
 */
record ExchangePage(List<Exchange> exchanges, int total, int matched, long nextBefore) {

    /** Summaries on one page: a few hundred bytes each, so one answer stays well under a megabyte. */
    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 200;

    /** Request parameters {@code before} and {@code limit}; a bad value is the client's error, with the reason. */
    record Cursor(long before, int limit) {
        static Cursor from(Map<String, List<String>> params) {
            long before = number(params, "before", Long.MAX_VALUE);
            long limit = number(params, "limit", DEFAULT_LIMIT);
            if (before <= 0) {
                throw new IllegalArgumentException("'before' must be an exchange id (a positive number).");
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("'limit' must be between 1 and " + MAX_LIMIT + ".");
            }
            return new Cursor(before, (int) limit);
        }

        private static long number(Map<String, List<String>> params, String name, long absent) {
            List<String> v = params.get(name);
            if (v == null || v.isEmpty() || v.get(0).isBlank()) {
                return absent;
            }
            try {
                return Long.parseLong(v.get(0).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + name + "' must be a number, got '" + v.get(0) + "'.");
            }
        }
    }

    /** @param newestFirst a history snapshot, newest first */
    static ExchangePage of(List<Exchange> newestFirst, Predicate<Exchange> filter, Cursor cursor) {
        List<Exchange> page = new ArrayList<>(Math.min(cursor.limit(), newestFirst.size()));
        int matched = 0;
        long next = -1;
        for (Exchange e : newestFirst) {
            if (!filter.test(e)) {
                continue;
            }
            matched++;
            if (e.id() < cursor.before()) {
                if (page.size() < cursor.limit()) {
                    page.add(e);
                } else if (next < 0) {
                    next = page.get(page.size() - 1).id();
                }
            }
        }
        return new ExchangePage(page, newestFirst.size(), matched, next);
    }
}
