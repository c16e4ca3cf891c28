package io.tuns.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/tuns as a user runs it (the README's first command, on loopback ports chosen by the OS): the JVM settings
 * it chooses, a JAVA_OPTS that overrides them, and the class-data sharing archive trained after the first start,
 * used by the next and never met stale. The launcher and the jars are copied into a temporary install (the layout
 * ops/install.sh lays out) so that the test can "rebuild" the jar by touching it.
 */
@Timeout(600)
class LauncherIT {

    private static final Pattern SERVING = Pattern.compile("tuns: serving ssh on port (\\d+), http on port (\\d+)");

    @TempDir
    Path dir;
    Path install;
    Path cds;

    @BeforeEach
    void copyTheInstall() throws IOException {
        Path repo = Path.of(System.getProperty("user.dir")).getParent(); // failsafe runs in server/
        install = dir.resolve("opt");
        Files.createDirectories(install.resolve("bin"));
        Files.createDirectories(install.resolve("server/target/lib"));
        Files.copy(repo.resolve("bin/tuns"), install.resolve("bin/tuns"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(repo.resolve("server/target/tuns-server.jar"), install.resolve("server/target/tuns-server.jar"));
        try (Stream<Path> jars = Files.list(repo.resolve("server/target/lib"))) {
            for (Path j : jars.toList()) {
                Files.copy(j, install.resolve("server/target/lib").resolve(j.getFileName()));
            }
        }
        cds = dir.resolve("cds");
    }

    record Started(Process process, int httpPort, String log, String cmdline, String environ) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor();
        }
    }

    private Started serve(Map<String, String> env) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work")); // deploy/keys and config.yml are looked up here
        Path log = Files.createTempFile(dir, "tuns", ".log");
        ProcessBuilder pb = new ProcessBuilder(install.resolve("bin/tuns").toString(), "serve",
                "--ssh-address=127.0.0.1:0", "--http-address=127.0.0.1:0")
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("MALLOC_ARENA_MAX");
        pb.environment().put("TUNS_CDS_DIR", cds.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() ->
                !p.isAlive() || SERVING.matcher(Files.readString(log)).find());
        String out = Files.readString(log);
        assertThat(p.isAlive()).as(out).isTrue();
        Matcher m = SERVING.matcher(out);
        assertThat(m.find()).isTrue();
        String pid = String.valueOf(p.pid()); // bin/tuns execs java: same process
        String cmdline = Files.readString(Path.of("/proc", pid, "cmdline"), StandardCharsets.ISO_8859_1)
                .replace('\0', ' ');
        String environ = Files.readString(Path.of("/proc", pid, "environ"), StandardCharsets.ISO_8859_1);
        return new Started(p, Integer.parseInt(m.group(2)), out, cmdline, environ);
    }

    private static int status(int httpPort) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/"))
                .timeout(Duration.ofSeconds(30)).build();
        return HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private List<Path> archives() throws IOException {
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cds)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
        }
    }

    private void awaitTrainedArchive(List<Path> before) {
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500)).until(() -> {
            List<Path> now = new ArrayList<>(archives());
            now.removeAll(before);
            boolean training;
            try (Stream<Path> s = Files.list(cds)) {
                training = s.anyMatch(p -> p.getFileName().toString().endsWith(".training"));
            }
            return !now.isEmpty() && !training;
        });
    }

    @Test
    void theDefaultsStartTrainAnArchiveAndTheNextStartUsesItWithoutAWordAboutIt() throws Exception {
        try (Started first = serve(Map.of())) {
            assertThat(first.cmdline()).contains("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=50", "-Xms16m",
                    "-XX:+ExitOnOutOfMemoryError", "-XX:MaxDirectMemorySize=")
                    .doesNotContain("SharedArchiveFile");
            assertThat(first.environ()).contains("MALLOC_ARENA_MAX=2\0");
            assertThat(status(first.httpPort())).isEqualTo(404); // no tunnel for the root domain: tuns answers
        }
        awaitTrainedArchive(List.of());
        assertThat(archives()).hasSize(1);
        try (Started second = serve(Map.of())) {
            assertThat(second.cmdline()).contains("-XX:SharedArchiveFile=" + archives().get(0));
            assertThat(second.log()).doesNotContainIgnoringCase("cds").doesNotContainIgnoringCase("warning]")
                    .doesNotContainIgnoringCase("shared archive");
            assertThat(status(second.httpPort())).isEqualTo(404);
        }

        // A rebuilt jar gets an archive of its own; the old one is dropped, and the start in between has none.
        List<Path> old = archives();
        Path jar = install.resolve("server/target/tuns-server.jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        try (Started rebuilt = serve(Map.of())) {
            assertThat(rebuilt.cmdline()).doesNotContain("SharedArchiveFile");
            assertThat(rebuilt.log()).doesNotContainIgnoringCase("shared archive");
        }
        awaitTrainedArchive(old);
        assertThat(archives()).hasSize(1).doesNotContainAnyElementsOf(old);
    }

    @Test
    void javaOptsOverrideEachSettingTheyName() throws Exception {
        try (Started s = serve(Map.of("JAVA_OPTS", "-XX:+UseG1GC -Xmx200m -Xss1m -XX:-ExitOnOutOfMemoryError",
                "MALLOC_ARENA_MAX", "4", "TUNS_CDS", "off"))) {
            assertThat(s.cmdline()).contains("-XX:+UseG1GC", "-Xmx200m", "-Xss1m", "-Xms16m")
                    .doesNotContain("UseSerialGC", "MaxRAMPercentage", "+ExitOnOutOfMemoryError",
                            "SharedArchiveFile");
            assertThat(s.environ()).contains("MALLOC_ARENA_MAX=4\0");
            assertThat(status(s.httpPort())).isEqualTo(404);
        }
        assertThat(archives()).as("TUNS_CDS=off trains nothing").isEmpty();
    }

    @Test
    void noDefaultsMeansJavaOptsAlone() throws Exception {
        try (Started s = serve(Map.of("TUNS_JVM_DEFAULTS", "off", "JAVA_OPTS", "-Xmx128m"))) {
            assertThat(s.cmdline()).contains("-Xmx128m").doesNotContain("UseSerialGC", "Xms16m", "SharedArchiveFile");
            assertThat(status(s.httpPort())).isEqualTo(404);
        }
    }
}
