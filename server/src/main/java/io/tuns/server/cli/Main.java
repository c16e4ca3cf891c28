package io.tuns.server.cli;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * {@code bin/tuns serve [flags]}: parse the configuration, print warnings, run until stopped. Configuration
 * errors are one line on stderr and exit code 2, never a stack trace.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> a = Arrays.asList(args);
        if (!a.isEmpty() && a.get(0).equals("serve")) {
            a = a.subList(1, a.size());
        }
        String[] rest = a.toArray(String[]::new);
        CommandLine cl = new CommandLine(ConfigLoader.commandSpec());
        if (a.contains("-h") || a.contains("--help")) {
            cl.usage(System.out);
            return;
        }
        if (a.contains("-V") || a.contains("--version")) {
            cl.printVersionHelp(System.out);
            return;
        }
        ServerConfig cfg;
        try {
            cfg = ConfigLoader.load(rest, System.getenv());
        } catch (ConfigException e) {
            System.err.println("tuns: " + e.getMessage());
            System.exit(2);
            return;
        }
        cfg.warnings().forEach(w -> System.err.println("tuns: warning: " + w));
        TunsServer server;
        try {
            server = new TunsServer(cfg);
            server.start();
        } catch (ConfigException e) {
            System.err.println("tuns: " + e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("tuns: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tuns-shutdown"));
        System.err.println("tuns: serving ssh on port " + server.sshPort() + ", http on port " + server.httpPort()
                + " — try: ssh -p " + server.sshPort() + " -R myapp:80:localhost:3000 " + cfg.domain());
        stopped.await();
    }
}
