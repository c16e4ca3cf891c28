package io.tuns.server.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory this process may use before the kernel kills it: the smallest of the cgroup limits on
 * its cgroup and that cgroup's ancestors (systemd's MemoryMax=, a container limit) and the host's
 * MemTotal. Exported so "resident memory near its limit" is one ratio that needs no node exporter.
 * Read on every scrape: a few small files, and limits can change at runtime (systemctl set-property).
 */
final class MemoryLimit {
    private final Path procSelfCgroup;
    private final Path cgroupRoot;
    private final Path meminfo;

    MemoryLimit(Path procSelfCgroup, Path cgroupRoot, Path meminfo) {
        this.procSelfCgroup = procSelfCgroup;
        this.cgroupRoot = cgroupRoot;
        this.meminfo = meminfo;
    }

    static MemoryLimit ofThisProcess() {
        return new MemoryLimit(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"), Path.of("/proc/meminfo"));
    }

    /** Empty when nothing could be read (not Linux): the gauge then has no sample instead of a wrong one. */
    OptionalLong bytes() {
        long limit = Long.MAX_VALUE;
        for (String line : lines(procSelfCgroup)) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                limit = Math.min(limit, smallestOnPath(cgroupRoot, parts[2], "memory.max"));
            } else if (List.of(parts[1].split(",")).contains("memory")) {
                limit = Math.min(limit, smallestOnPath(cgroupRoot.resolve("memory"), parts[2],
                        "memory.limit_in_bytes"));
            }
        }
        limit = Math.min(limit, memTotal());
        return limit == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(limit);
    }

    /** A limit on a parent slice binds too, so walk from the process's cgroup up to the root. */
    private static long smallestOnPath(Path root, String cgroupPath, String file) {
        long smallest = Long.MAX_VALUE;
        Path dir = Path.of("/").resolve(cgroupPath.isEmpty() ? "/" : cgroupPath).normalize();
        while (dir != null) {
            Path candidate = root.resolve(Path.of("/").relativize(dir).toString()).resolve(file);
            smallest = Math.min(smallest, parseLimit(firstLine(candidate)));
            dir = dir.getParent();
        }
        return smallest;
    }

    /** "max" (v2) and v1's near-2^63 "unlimited" both mean no limit here. */
    private static long parseLimit(String text) {
        if (text == null || text.isBlank() || text.trim().equals("max")) {
            return Long.MAX_VALUE;
        }
        try {
            long value = Long.parseLong(text.trim());
            return value > 0 ? value : Long.MAX_VALUE;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private long memTotal() {
        for (String line : lines(meminfo)) {
            if (line.startsWith("MemTotal:")) {
                String[] fields = line.trim().split("\\s+");
                try {
                    return Long.parseLong(fields[1]) * 1024; // /proc/meminfo says kB, meaning KiB
                } catch (RuntimeException e) {
                    return Long.MAX_VALUE;
                }
            }
        }
        return Long.MAX_VALUE;
    }

    private static String firstLine(Path file) {
        List<String> lines = lines(file);
        return lines.isEmpty() ? null : lines.get(0);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
