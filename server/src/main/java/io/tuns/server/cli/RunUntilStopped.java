package io.tuns.server.cli;

import io.tuns.server.TunsServer;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ServerConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts {@link TunsServer} and blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), which closes it. While it
 * runs, the config file in use is watched and re-read as sish does ({@link ConfigWatch}).
 */
final class RunUntilStopped implements ServerLauncher {

    private final PrintWriter err;
    private final String[] serveArgs;
    private final Map<String, String> env;

    /** @param serveArgs and {@code env}: what the configuration was loaded from, to load it again on a change */
    RunUntilStopped(PrintWriter err, String[] serveArgs, Map<String, String> env) {
        this.err = err;
        this.serveArgs = serveArgs.clone();
        this.env = env;
    }

    @Override
    public void launch(ServerConfig config) throws Exception {
        LogOutputs.apply(config);
        if (config.debug()) {
            setDebugLogging(true);
        }
        TunsServer server = new TunsServer(config);
        ConfigWatch watch = ConfigLoader.configFilePath(serveArgs, env)
                .map(file -> new ConfigWatch(file, config, () -> ConfigLoader.load(serveArgs, env), fresh -> {
                    setDebugLogging(fresh.debug());
                    server.reload(fresh);
                }))
                .orElse(null);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (watch != null) {
                watch.close();
            }
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
        if (watch != null) {
            watch.start();
        }
        err.println("tuns: serving ssh on port " + server.sshPort() + ", http on port " + server.httpPort()
                + "; try: ssh -p " + server.sshPort() + " -R myapp:80:localhost:3000 " + config.domain()
                + server.adminConsoleUrl().map(u -> "; admin console: " + u).orElse(""));
        err.flush();
        stopped.await();
    }

    /** --debug: tuns's own DEBUG lines (the libraries stay at their levels: MINA and Netty are very chatty). */
    private static void setDebugLogging(boolean on) {
        if (org.slf4j.LoggerFactory.getLogger("io.tuns") instanceof ch.qos.logback.classic.Logger tuns) {
            tuns.setLevel(on ? ch.qos.logback.classic.Level.DEBUG : null); // null: inherit the root's level again
        }
    }
}
