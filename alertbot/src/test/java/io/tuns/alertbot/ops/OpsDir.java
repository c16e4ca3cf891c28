package io.tuns.alertbot.ops;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's ops/ directory: Maven runs tests in alertbot/, an IDE may run them at the root. */
final class OpsDir {
    private OpsDir() {}

    static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path ops = dir.resolve("ops");
            if (Files.isRegularFile(ops.resolve("alertmanager/alertmanager.yml"))) {
                return ops;
            }
        }
        throw new IllegalStateException("no ops/alertmanager/alertmanager.yml above " + Path.of("").toAbsolutePath());
    }
}
