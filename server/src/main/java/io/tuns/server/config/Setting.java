package io.tuns.server.config;

/**
 * A flag's raw value and where it came from, so an error names the place the operator has to fix: the flag
 * ({@code --domain}), the variable ({@code TUNS_DOMAIN}) or the file key ({@code config.yml: domain}).
 *
 * @param origin how to name the source in a message; {@code --name} for flags and defaults
 */
record Setting(Flag flag, String raw, String origin, Source source) {

    enum Source { FLAG, ENVIRONMENT, FILE, DEFAULT }

    static Setting byDefault(Flag flag) {
        return new Setting(flag, flag.defaultValue(), flag.longName(), Source.DEFAULT);
    }
}
