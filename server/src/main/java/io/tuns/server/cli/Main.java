package io.tuns.server.cli;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.config.ParseErrors;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.ssh.SecurityProviders;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The jar's entry point. {@code bin/tuns serve [flags]} passes only the flags, so the arguments are the
 * {@code serve} command's; a leading {@code serve} word is accepted too. Configuration errors are one line on
 * stderr and exit code 2, never a stack trace; start-up failures exit 1.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        boolean training = args.length == 1 && args[0].equals(CdsTraining.FLAG);
        if (!training) {
            EarlyBind.bind(serveArgs(args), System.getenv()); // first: from here on connections queue, not fail
        }
        SecurityProviders.registerInBackground(); // overlaps config parsing and the HTTP set-up; see its comment
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        if (training) {
            System.exit(CdsTraining.run(out, err)); // exit now: the JVM writes the class-data archive on exit
        }
        Map<String, String> env = System.getenv();
        int code = run(args, env, out, err, new RunUntilStopped(err, serveArgs(args), env));
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    /** Everything {@link #main} does, with its surroundings passed in; returns the exit code. */
    static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err, ServerLauncher launcher) {
        String[] serveArgs = serveArgs(args);
        CommandLine tuns = TunsCommand.create();
        tuns.setOut(out);
        tuns.setErr(err);
        try {
            ParseResult parsed = tuns.parseArgs(Stream.concat(Stream.of(TunsCommand.SERVE), Arrays.stream(serveArgs))
                    .toArray(String[]::new));
            if (CommandLine.printHelpIfRequested(parsed)) {
                return EXIT_OK;
            }
            ServerConfig config = ConfigLoader.load(serveArgs, env);
            config.warnings().forEach(w -> err.println("tuns: warning: " + w));
            err.flush();
            launcher.launch(config);
            return EXIT_OK;
        } catch (CommandLine.ParameterException e) {
            return fail(err, EXIT_CONFIG, ParseErrors.toConfigException(e).getMessage());
        } catch (ConfigException e) {
            return fail(err, EXIT_CONFIG, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        } catch (Exception e) {
            return fail(err, EXIT_START_FAILED, "could not start: " + (e.getMessage() == null ? e : e.getMessage()));
        }
    }

    /** The {@code serve} command's flags: the arguments without a leading {@code serve} word. */
    static String[] serveArgs(String[] args) {
        return args.length > 0 && args[0].equals(TunsCommand.SERVE) ? Arrays.copyOfRange(args, 1, args.length) : args;
    }

    private static int fail(PrintWriter err, int code, String message) {
        err.println("tuns: " + message.replaceAll("\\s*\\R\\s*", " "));
        err.flush();
        return code;
    }
}
