package io.tuns.server.config;

import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** Turns picocli's command-line errors into the one-line, flag-naming messages every config error has. */
public final class ParseErrors {

    private ParseErrors() {
    }

    public static ConfigException toConfigException(ParameterException e) {
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            if (!arg.startsWith("-")) {
                return new ConfigException("unexpected argument '" + arg + "': tuns serve takes only flags"
                        + " (see --help)");
            }
            String name = arg.replaceFirst("^-+", "").replaceFirst("=.*$", "");
            return new ConfigException("unknown flag '" + arg.replaceFirst("=.*$", "") + "'"
                    + Suggestions.closestFlag(name).map(s -> " (did you mean '--" + s + "'?)").orElse("")
                    + "; see --help");
        }
        if (e instanceof MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof OptionSpec o) {
            return new ConfigException(o.longestName() + " needs a value" + example(o));
        }
        return new ConfigException(OneLine.of(e.getMessage()));
    }

    private static String example(ArgSpec option) {
        String label = option.paramLabel();
        return label == null || label.isEmpty() ? "" : " (" + ((OptionSpec) option).longestName() + "=" + label + ")";
    }
}
