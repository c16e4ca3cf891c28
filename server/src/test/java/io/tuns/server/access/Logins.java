package io.tuns.server.access;

import io.tuns.server.it.SshClient;
import io.tuns.server.it.TunsFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Real OpenSSH logins for the access ITs: by password through SSH_ASKPASS, from a chosen loopback address. */
final class Logins {

    private static final AtomicInteger SCRIPTS = new AtomicInteger();

    private Logins() {
    }

    /**
     * {@code ssh -b fromIp user@127.0.0.1 args…} answering every password prompt with {@code password}.
     *
     * @param prompts how many passwords ssh may try on this connection (each wrong one is a failure)
     */
    static SshClient password(TunsFixture tuns, String fromIp, String user, String password, int prompts,
                              String... args) throws IOException {
        Path askpass = tuns.dir.resolve("askpass-" + SCRIPTS.incrementAndGet() + ".sh");
        Files.writeString(askpass, "#!/bin/sh\necho '" + password + "'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ssh", "-p", String.valueOf(tuns.server.sshPort()),
                "-b", fromIp, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                "-o", "NumberOfPasswordPrompts=" + prompts, "-o", "ExitOnForwardFailure=yes"));
        cmd.addAll(List.of(args));
        cmd.add(user + "@127.0.0.1");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SSH_ASKPASS", askpass.toString());
        pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
        pb.environment().put("DISPLAY", ":0");
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return SshClient.wrap(pb.start());
    }

    /** Key login with the fixture's authorised key; forward failures do not end ssh, so refusals can be read. */
    static SshClient keyKeepingFailedForwards(TunsFixture tuns, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ssh", "-p", String.valueOf(tuns.server.sshPort()),
                "-i", tuns.userKey.toString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "ExitOnForwardFailure=no"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return SshClient.wrap(pb.start());
    }
}
