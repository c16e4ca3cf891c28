package io.tuns.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/** Debian's nginx serving the files of one directory on loopback, in the foreground, as a child of the test. */
final class NginxFiles implements AutoCloseable {

    final int port;
    private final Process process;

    private NginxFiles(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static NginxFiles serve(Path dir) throws Exception {
        int port = ForkedTuns.freePort();
        Path www = dir.resolve("www");
        Path prefix = dir.resolve("nginx");
        Files.createDirectories(prefix.resolve("logs"));
        // nginx's workers run unprivileged and must reach the files
        for (Path p = www; p != null && p.startsWith(dir); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (var files = Files.list(www)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        Files.writeString(prefix.resolve("nginx.conf"), """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log;
                events { worker_connections 2048; }
                http {
                  access_log off;
                  sendfile on;
                  client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy; fastcgi_temp_path %1$s/fcgi;
                  uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;
                  server { listen 127.0.0.1:%2$d backlog=1024; root %3$s; }
                }
                """.formatted(prefix, port, www));
        Process p = new ProcessBuilder("/usr/sbin/nginx", "-p", prefix.toString(), "-c", "nginx.conf",
                "-g", "daemon off;").redirectErrorStream(true).redirectOutput(prefix.resolve("out.log").toFile())
                .start();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return new NginxFiles(port, p);
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > end) {
                    p.destroy();
                    throw new IllegalStateException("nginx did not start: " + Files.readString(prefix.resolve("out.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: nginx's master stops its workers
        process.waitFor();
    }
}
