package io.tuns.server.http;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's host name, which sish's forwarder (vulcand/oxy) sends as {@code X-Forwarded-Server}: Go's
 * {@code os.Hostname()}, which on Linux reads {@code /proc/sys/kernel/hostname}, and "localhost" when that fails.
 * Read once: it names the machine, not a request.
 */
final class ServerHostname {

    static final String NAME = read(Path.of("/proc/sys/kernel/hostname"));

    private ServerHostname() {
    }

    static String read(Path kernelFile) {
        try {
            String h = Files.readString(kernelFile).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: ask the JVM
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
