package io.tuns.server.cli;

import io.tuns.server.config.ConfigLoader;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The picocli command tree: {@code tuns} with its {@code serve} subcommand (whose options the config package owns). */
final class TunsCommand {

    static final String SERVE = "serve";

    private TunsCommand() {
    }

    static CommandLine create() {
        CommandLine serve = ConfigLoader.serveCommandLine();
        CommandSpec top = CommandSpec.create().name("tuns").mixinStandardHelpOptions(true);
        top.usageMessage().description("Self-hosted SSH tunnel server, a drop-in replacement for sish.");
        top.version(serve.getCommandSpec().version());
        CommandLine tuns = new CommandLine(top);
        tuns.addSubcommand(SERVE, serve);
        return tuns;
    }
}
