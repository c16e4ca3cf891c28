package io.tuns.server.config;

import java.util.Optional;

/** "Did you mean" for mistyped flag names and YAML keys: the closest known name within a small edit distance. */
final class Suggestions {

    private static final int MAX_DISTANCE = 3;

    private Suggestions() {
    }

    static Optional<String> closestFlag(String typed) {
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (Flag f : Flags.ALL) {
            int d = distance(typed, f.name());
            if (d < bestDistance) {
                bestDistance = d;
                best = f.name();
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), substitution);
            }
            prev = cur;
        }
        return prev[b.length()];
    }
}
