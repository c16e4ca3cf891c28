package io.tuns.server.tcp;

import io.tuns.server.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** sish's {@code --port-bind-range}: {@code 0,1024-65535}; 0 means "let the system pick" is allowed. */
public final class PortRange {

    private record Span(int from, int to) {
    }

    private final List<Span> spans;
    private final boolean anyAllowed;
    private final boolean listsZero;

    private PortRange(List<Span> spans, boolean anyAllowed, boolean listsZero) {
        this.spans = spans;
        this.anyAllowed = anyAllowed;
        this.listsZero = listsZero;
    }

    public static PortRange parse(String spec) {
        if (spec.isBlank()) { // sish: every requested port is unavailable, random ones come from the OS
            return new PortRange(List.of(), true, false);
        }
        List<Span> spans = new ArrayList<>();
        boolean any = false;
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                if (p.contains("-")) {
                    String[] ab = p.split("-", 2);
                    int a = Integer.parseInt(ab[0].trim());
                    int b = Integer.parseInt(ab[1].trim());
                    if (a < 1 || b > 65535 || a > b) {
                        throw new NumberFormatException();
                    }
                    spans.add(new Span(a, b));
                } else {
                    int n = Integer.parseInt(p);
                    if (n == 0) {
                        any = true;
                    } else if (n < 1 || n > 65535) {
                        throw new NumberFormatException();
                    } else {
                        spans.add(new Span(n, n));
                    }
                }
            } catch (NumberFormatException e) {
                throw new ConfigException("--port-bind-range: '" + p + "' is not a port or a range like 1024-65535");
            }
        }
        return new PortRange(List.copyOf(spans), any, any);
    }

    public boolean contains(int port) {
        for (Span s : spans) {
            if (port >= s.from && port <= s.to) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a request for this port passes sish's {@code CheckPort}: a listed port, or 0 when the range lists 0.
     * An empty range passes none (sish fails to parse it), so every request is reported unavailable.
     */
    public boolean accepts(int port) {
        return port == 0 ? listsZero : contains(port);
    }

    /** Whether the system may pick any free port (the range lists 0). */
    public boolean anyAllowed() {
        return anyAllowed;
    }

    /** A random port from the spans, or 0 when only "any" is allowed. */
    public int random() {
        long total = 0;
        for (Span s : spans) {
            total += s.to - s.from + 1;
        }
        if (total == 0) {
            return 0;
        }
        long pick = ThreadLocalRandom.current().nextLong(total);
        for (Span s : spans) {
            long size = s.to - s.from + 1;
            if (pick < size) {
                return (int) (s.from + pick);
            }
            pick -= size;
        }
        return 0;
    }
}
