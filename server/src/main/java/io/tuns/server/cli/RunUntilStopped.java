package io.tuns.server.cli;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ServerConfig;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/** Starts {@link TunsServer} and blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), which closes it. */
final class RunUntilStopped implements ServerLauncher {

    private final PrintWriter err;

    RunUntilStopped(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void launch(ServerConfig config) throws Exception {
        LogOutputs.apply(config);
        if (config.debug()) {
            debugLogging();
        }
        TunsServer server = new TunsServer(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tuns-shutdown");
        // registered before start so that a stop request during start-up still closes the listeners
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start();
        } catch (Exception | Error e) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running and closes the server itself
                throw e;
            }
            server.close();
            throw e;
        }
        err.println("tuns: serving ssh on port " + server.sshPort() + ", http on port " + server.httpPort()
                + "; try: ssh -p " + server.sshPort() + " -R myapp:80:localhost:3000 " + config.domain()
                + server.adminConsoleUrl().map(u -> "; admin console: " + u).orElse(""));
        err.flush();
        stopped.await();
    }

    /** --debug: tuns's own DEBUG lines (the libraries stay at their levels: MINA and Netty are very chatty). */
    private static void debugLogging() {
        if (org.slf4j.LoggerFactory.getLogger("io.tuns") instanceof ch.qos.logback.classic.Logger tuns) {
            tuns.setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
    }
}
