package io.tuns.server.cli;

import io.tuns.server.config.HostPort;
import io.tuns.server.http.EarlyHttpSocket;
import io.tuns.server.ssh.EarlySshSocket;
import io.tuns.server.transport.Transport;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Binds the SSH and HTTP listening sockets first thing in {@code main}, from the flags (or the TUNS_/SISH_
 * variables) alone, before the configuration is parsed and the server built: connections made during the
 * seconds of start-up wait in the kernel's backlog instead of being refused. Flags win over every other source, so
 * the address read here is the one the server will use; a variable can lose only to a flag, which is read first.
 * Anything unusual (no address given, a value that does not parse, a port in use, --help) binds nothing and leaves
 * the bind and its error message to the server.
 */
final class EarlyBind {

    private EarlyBind() {
    }

    static void bind(String[] args, Map<String, String> env) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) {
                return;
            }
        }
        address(args, env, "ssh-address").ifPresent(hp -> {
            try {
                EarlySshSocket.bind(hp.host(), hp.port(), EarlySshSocket.defaultWorkers());
            } catch (IOException | RuntimeException e) {
                // the server binds it later and reports the error
            }
        });
        if (Transport.requestsEpoll(System.getProperty(Transport.PROPERTY))) {
            return; // native event loops cannot take a java.nio socket: the HTTP front binds its own
        }
        address(args, env, "http-address").ifPresent(hp -> {
            try {
                EarlyHttpSocket.bind(hp.host(), hp.port());
            } catch (IOException | RuntimeException e) {
                // the server binds it later and reports the error
            }
        });
    }

    /** The flag's value ({@code --name=v} or {@code --name v}), else its TUNS_/SISH_ variable; parsed. */
    static Optional<HostPort> address(String[] args, Map<String, String> env, String name) {
        String value = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--" + name + "=")) {
                value = args[i].substring(name.length() + 3);
            } else if (args[i].equals("--" + name) && i + 1 < args.length) {
                value = args[i + 1];
            }
        }
        String var = name.toUpperCase().replace('-', '_');
        if (value == null) {
            value = env.getOrDefault("TUNS_" + var, env.get("SISH_" + var));
        }
        try {
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(HostPort.parse(value, name));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
