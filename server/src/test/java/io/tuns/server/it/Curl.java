package io.tuns.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
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
        // hashed and counted here, not by `tee >(wc -c)` in a shell: the count of that process substitution was
        // sometimes missing from stderr (once in a full suite run, with the hash itself right)
        Process p = new ProcessBuilder(cmd).start();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long size = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = p.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
                size += n;
            }
        }
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return HexFormat.of().formatHex(digest.digest()) + " " + size + (err.isEmpty() ? "" : " " + err);
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
