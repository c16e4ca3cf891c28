package io.tuns.server.config;

/** Library messages (picocli, Jackson) can span lines; the operator gets one line per error. */
final class OneLine {

    private OneLine() {
    }

    static String of(String message) {
        return message == null ? "invalid input" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
