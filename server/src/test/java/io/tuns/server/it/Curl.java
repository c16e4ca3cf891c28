package io.tuns.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the real curl; it resolves *.localhost to loopback by itself. */
public final class Curl {

    public record Result(int exit, String out) {
    }

    private Curl() {
    }

    public static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "300"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }

    /** curl ... | sha256sum, without holding the body: returns "hash size". */
    public static String sha256(String url, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "600"));
        cmd.addAll(Arrays.asList(extra));
        cmd.add(url);
        String shell = String.join(" ", cmd.stream().map(Curl::quote).toList())
                + " | tee >(wc -c >&2) | sha256sum | cut -d' ' -f1";
        Process p = new ProcessBuilder("bash", "-c", shell).start();
        String hash = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String size = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return hash + " " + size;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
