package io.tuns.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real /usr/bin/ssh process against the server under test, with its output collected for assertions. */
public final class SshClient implements AutoCloseable {

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread pump;

    private SshClient(Process process) {
        this.process = process;
        pump = new Thread(() -> pump(process.getInputStream()), "ssh-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Collects the output of an ssh process started elsewhere (e.g. with a special environment). */
    public static SshClient wrap(Process p) {
        return new SshClient(p);
    }

    /**
     * Starts ssh with the usual test options; {@code args} are the caller's (e.g. -N, -R ..., host, commands). ssh
     * keeps the first value of an option, so a caller's {@code -o ExitOnForwardFailure=no} replaces our "yes".
     */
    public static SshClient start(int port, Path key, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ssh", "-p", String.valueOf(port), "-i", key.toString(),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=INFO",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ServerAliveInterval=5"));
        if (args.stream().noneMatch(a -> a.startsWith("ExitOnForwardFailure="))) {
            cmd.addAll(List.of("-o", "ExitOnForwardFailure=yes"));
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return new SshClient(pb.start());
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** sish's (and tuns') ANSI colour codes: assertions on text ignore them, {@link #rawOutput()} keeps them. */
    private static final Pattern COLOURS = Pattern.compile("\u001b\\[[0-9;]*m");

    /** What ssh printed so far, without colour codes; once the process has exited, all of it. */
    public String output() {
        return COLOURS.matcher(rawOutput()).replaceAll("");
    }

    /** What ssh printed so far, byte for byte; once the process has exited, all of it (the pump may lag behind the exit). */
    public String rawOutput() {
        if (!process.isAlive()) {
            try {
                pump.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return output.toString();
    }

    /** Waits until the output matches {@code regex}; returns group 1 (or the whole match). */
    public String await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Matcher m = p.matcher(plain());
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!process.isAlive()) {
                Thread.sleep(100);
                m = p.matcher(plain());
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : m.group();
                }
                throw new AssertionError("ssh exited (" + process.exitValue() + ") before printing /" + regex
                        + "/; output:\n" + plain());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("ssh did not print /" + regex + "/ within " + timeout + "; output:\n" + plain());
    }

    private String plain() {
        return COLOURS.matcher(output).replaceAll("");
    }

    /** The public URL of the n-th "HTTP:" line. */
    public String httpUrl() throws InterruptedException {
        return await("HTTP: (http://\\S+)", Duration.ofSeconds(15));
    }

    public Process process() {
        return process;
    }

    public void send(byte[] bytes) throws IOException {
        process.getOutputStream().write(bytes);
        process.getOutputStream().flush();
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            kill9();
        }
    }
}
