package io.tuns.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryLimitTest {
    @TempDir
    Path root;

    private static final String MEMINFO = "MemTotal:        8000000 kB\nMemFree:  100 kB\n";

    @Test
    void cgroupV2LimitOnTheServiceWins() throws IOException {
        write("proc/cgroup", "0::/system.slice/tuns.service\n");
        write("sys/system.slice/tuns.service/memory.max", "536870912\n");
        write("sys/system.slice/memory.max", "max\n");
        write("sys/memory.max", "max\n");
        write("proc/meminfo", MEMINFO);

        assertThat(limit().bytes()).hasValue(536_870_912L);
    }

    @Test
    void aLimitOnAParentSliceBindsToo() throws IOException {
        write("proc/cgroup", "0::/tuns.slice/tuns.service\n");
        write("sys/tuns.slice/tuns.service/memory.max", "max\n");
        write("sys/tuns.slice/memory.max", "1073741824\n");
        write("proc/meminfo", MEMINFO);

        assertThat(limit().bytes()).hasValue(1_073_741_824L);
    }

    @Test
    void cgroupV1UnlimitedFallsBackToMemTotal() throws IOException {
        write("proc/cgroup", "4:memory:/docker/abc\n0::/\n");
        write("sys/memory/memory.limit_in_bytes", "9223372036854771712\n");
        write("proc/meminfo", MEMINFO);

        assertThat(limit().bytes()).hasValue(8_000_000L * 1024);
    }

    @Test
    void cgroupV1LimitIsRead() throws IOException {
        write("proc/cgroup", "5:cpuacct,memory:/docker/abc\n");
        write("sys/memory/docker/abc/memory.limit_in_bytes", "268435456\n");
        write("proc/meminfo", MEMINFO);

        assertThat(limit().bytes()).hasValue(268_435_456L);
    }

    @Test
    void nothingReadableMeansNoValue() {
        assertThat(limit().bytes()).isEmpty();
    }

    private MemoryLimit limit() {
        return new MemoryLimit(root.resolve("proc/cgroup"), root.resolve("sys"), root.resolve("proc/meminfo"));
    }

    private void write(String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
