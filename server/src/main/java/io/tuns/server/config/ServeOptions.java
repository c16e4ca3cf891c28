package io.tuns.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The picocli model of {@code tuns serve}: one option per {@link Flag}, plus {@code --config}, {@code --help},
 * {@code --version}. Options are typed as text and converted by {@link Conversion}, so that a value from the
 * environment or the file is checked by exactly the same code as one from the command line, and its error
 * names its real source.
 */
final class ServeOptions {

    static final String CONFIG_OPTION = "--config";
    private static final String GENERAL_SECTION = "General";
    private static final int HELP_WIDTH = 120;
    private static final int LONG_OPTION_COLUMN = 42;

    private ServeOptions() {
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(spec());
        // options listed under their section headings instead of one alphabetical wall of 130 flags
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, ServeOptions::groupedOptionList);
        return cl;
    }

    static CommandSpec spec() {
        CommandSpec spec = CommandSpec.create().name("serve");
        spec.usageMessage()
                .width(HELP_WIDTH)
                .longOptionsMaxWidth(LONG_OPTION_COLUMN)
                .abbreviateSynopsis(true)
                .description("Run the tuns SSH tunnel server, a drop-in replacement for sish.",
                        "Values come from flags, then TUNS_<FLAG> / SISH_<FLAG> environment variables (TUNS_ wins;"
                                + " e.g. TUNS_SSH_ADDRESS), then the YAML config file (same keys as the flags,"
                                + " e.g. 'ssh-address: :2222'), then the defaults shown.",
                        "Booleans: --flag, --flag=true|false. Lists: comma-separated (YAML lists also work)."
                                + " Durations: 200ms, 5s, 15m, 1h30m. Sizes in bytes: 65536, 64KiB, 8MiB, 1GiB"
                                + " (KB, MB, GB mean the same binary units).");
        // a flag given twice keeps the last value, as sish (pflag) does; "@file" is a value, not an argument file
        spec.parser().overwrittenOptionsAllowed(true).expandAtFiles(false);
        spec.version("tuns " + Version.get());

        spec.addOption(OptionSpec.builder("-c", CONFIG_OPTION).type(String.class).paramLabel("FILE")
                .defaultValue(ConfigFile.DEFAULT_NAME)
                .description("YAML config file; the default one may be absent (default: ${DEFAULT-VALUE})").build());
        for (Flag f : Flags.ALL) {
            String[] names = f.shortName() == null
                    ? new String[] {f.longName()} : new String[] {f.shortName(), f.longName()};
            OptionSpec.Builder b = OptionSpec.builder(names).type(String.class).paramLabel(paramLabel(f))
                    .defaultValue(f.defaultValue())
                    .description(f.help() + " (default: " + defaultForHelp(f) + ")");
            if (f.type() == boolean.class) {
                b.arity("0..1").fallbackValue("true");
            }
            spec.addOption(b.build());
        }
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print the version and exit")
                .build());
        return spec;
    }

    /** picocli interpolates descriptions, where "$$" means "$": escape defaults such as sish's passphrase. */
    private static String defaultForHelp(Flag f) {
        if (f.defaultValue().isEmpty()) {
            return "\"\"";
        }
        return f.defaultValue().contains("$") ? f.defaultValue().replace("$", "$$") : "${DEFAULT-VALUE}";
    }

    private static String paramLabel(Flag f) {
        Class<?> t = f.type();
        if (t == boolean.class) {
            return "BOOL";
        }
        if (t == Duration.class) {
            return "DURATION";
        }
        if (t == long.class) {
            return "SIZE";
        }
        if (t == int.class) {
            return "N";
        }
        if (t == List.class) {
            return "LIST";
        }
        if (t == Path.class) {
            return "DIR";
        }
        if (f.name().equals("tcp-address")) {
            return "HOST";
        }
        return f.name().endsWith("-address") ? "HOST:PORT" : "TEXT";
    }

    private static String groupedOptionList(Help help) {
        CommandSpec spec = help.commandSpec();
        Map<String, List<OptionSpec>> sections = new LinkedHashMap<>();
        List<OptionSpec> general = new ArrayList<>();
        general.add(spec.findOption(CONFIG_OPTION));
        general.add(spec.findOption("--help"));
        general.add(spec.findOption("--version"));
        sections.put(GENERAL_SECTION, general);
        for (Flag f : Flags.ALL) {
            sections.computeIfAbsent(f.section(), k -> new ArrayList<>()).add(spec.findOption(f.longName()));
        }
        StringBuilder out = new StringBuilder();
        Help.IParamLabelRenderer labels = help.createDefaultParamLabelRenderer();
        sections.forEach((heading, options) -> {
            out.append(System.lineSeparator()).append(heading).append(':').append(System.lineSeparator());
            Help.Layout layout = help.createDefaultLayout();
            options.forEach(o -> layout.addOption(o, labels));
            out.append(layout);
        });
        return out.toString();
    }
}
