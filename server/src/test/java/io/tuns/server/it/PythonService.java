package io.tuns.server.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real tunnelled service with a keep-alive timeout: Debian's python3 {@code http.server} speaking HTTP/1.1 that
 * closes an idle kept-alive connection after the given seconds, as Node, gunicorn and Apache do. See
 * {@code it/keepalive_service.py} for its routes.
 */
public final class PythonService implements AutoCloseable {

    private final Process process;
    private final int port;

    private PythonService(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static PythonService start(double keepAliveSeconds) throws IOException {
        Path script = Files.createTempFile("keepalive_service", ".py");
        try (InputStream in = PythonService.class.getResourceAsStream("/it/keepalive_service.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("python3", script.toString(), String.valueOf(keepAliveSeconds))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine(); // "PORT <n>", printed once it listens
        if (line == null || !line.startsWith("PORT ")) {
            p.destroyForcibly();
            throw new IOException("python3 keepalive_service.py did not start: " + line);
        }
        return new PythonService(p, Integer.parseInt(line.substring(5).trim()));
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
