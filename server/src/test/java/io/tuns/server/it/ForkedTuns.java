package io.tuns.server.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** tuns in its own JVM (e.g. a small -Xmx), started through the real CLI entry point. */
public final class ForkedTuns implements AutoCloseable {

    public final Process process;
    public final int sshPort;
    public final int httpPort;
    public final Path log;

    private ForkedTuns(Process process, int sshPort, int httpPort, Path log) {
        this.process = process;
        this.sshPort = sshPort;
        this.httpPort = httpPort;
        this.log = log;
    }

    public static ForkedTuns start(Path dir, List<String> jvmArgs, String... flags) throws Exception {
        Path none = dir.resolve("none.yml");
        Files.writeString(none, "{}\n");
        return start(dir, none, jvmArgs, flags);
    }

    /** @param configFile the {@code --config} file, which the running tuns watches for changes */
    public static ForkedTuns start(Path dir, Path configFile, List<String> jvmArgs, String... flags) throws Exception {
        return launch(dir, configFile, dir.resolve("tuns.log"), jvmArgs, "127.0.0.1", freePort(), freePort(), flags);
    }

    /**
     * tuns listening on {@code host} (e.g. 127.0.0.12: Linux routes all of 127/8 to loopback, so several nodes can
     * use the same ports, as real machines do), logging to {@code log}; {@code dir} holds the host keys, the
     * authorised keys and an empty config file, and may be shared by several nodes.
     */
    public static ForkedTuns startAt(Path dir, Path log, List<String> jvmArgs, String host, int ssh, int http,
                                     String... flags) throws Exception {
        Path none = dir.resolve("none.yml");
        Files.writeString(none, "{}\n");
        return launch(dir, none, log, jvmArgs, host, ssh, http, flags);
    }

    private static ForkedTuns launch(Path dir, Path configFile, Path log, List<String> jvmArgs, String host, int ssh,
                                     int http, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                "io.tuns.server.cli.Main", "serve",
                "--ssh-address=" + host + ":" + ssh, "--http-address=" + host + ":" + http, "--domain=localhost",
                "--private-keys-directory=" + dir.resolve("hostkeys"),
                "--authentication-keys-directory=" + dir.resolve("pubkeys"),
                "--config=" + configFile));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // 90 s: on the shared 2-core machine at load 50 a forked JVM took over 30 s to print its first line
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.readString(log, StandardCharsets.UTF_8).contains("tuns: serving")) {
            if (!p.isAlive() || System.nanoTime() > end) {
                p.destroyForcibly(); // else a slow start outlives the test that gave up on it
                throw new IllegalStateException("forked tuns did not start:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return new ForkedTuns(p, ssh, http, log);
    }

    /** Resident set size of the tuns process, in bytes (Linux). */
    public long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
    }
}
