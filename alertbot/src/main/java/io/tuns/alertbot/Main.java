package io.tuns.alertbot;

/** Placeholder entry point; the alert bot is built under its own issue. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("tuns alertbot: not built yet");
        System.exit(2);
    }
}
