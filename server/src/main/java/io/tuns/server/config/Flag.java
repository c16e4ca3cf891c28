package io.tuns.server.config;

/**
 * One configurable flag as the operator sees it: on the command line ({@code --name}), in {@code config.yml}
 * ({@code name:}) and in the environment ({@code TUNS_NAME} / {@code SISH_NAME}).
 *
 * @param name         kebab-case long name without dashes, as sish spells it
 * @param shortName    sish's one-letter alias ({@code -a}), or null
 * @param type         the Java type the raw text converts to ({@code boolean}, {@code int}, {@code long} = bytes,
 *                     {@code Duration}, {@code Path}, {@code List}, {@code String})
 * @param defaultValue the default as it would be written on the command line
 * @param help         one line for {@code --help}
 * @param section      the {@code --help} heading it is listed under
 * @param component    false for sish flags that tuns accepts but has no {@link ServerConfig} component for
 */
record Flag(String name, String shortName, Class<?> type, String defaultValue, String help, String section,
            boolean component) {

    String longName() {
        return "--" + name;
    }

    /** {@code SSH_ADDRESS} for {@code ssh-address}; prefixed with TUNS_ or SISH_ to form the variable name. */
    String envSuffix() {
        return name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
