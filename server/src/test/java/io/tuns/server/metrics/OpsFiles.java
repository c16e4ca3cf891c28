package io.tuns.server.metrics;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's ops/ directory: Maven runs tests in server/, an IDE may run them at the root. */
final class OpsFiles {
    private OpsFiles() {
    }

    static Path opsDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path ops = dir.resolve("ops");
            if (Files.isRegularFile(ops.resolve("prometheus/prometheus.yml"))) {
                return ops;
            }
        }
        throw new IllegalStateException("no ops/prometheus/prometheus.yml above " + Path.of("").toAbsolutePath());
    }
}
