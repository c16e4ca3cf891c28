package io.tuns.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * sish flags tuns accepts (so a sish command line or config.yml keeps working) but does not act on yet. Setting
 * one to a non-default value produces a start-up warning instead of being silently ignored. Shrink
 * {@link #NOT_YET_IMPLEMENTED} as features land; sish flags without a {@link ServerConfig} component (log files,
 * templates) are always in this state.
 */
final class UnimplementedFlags {

    /** Checked against what the server reads from {@link ServerConfig}: none of these is read yet. */
    static final Set<String> NOT_YET_IMPLEMENTED = Set.of(); // every sish flag with a component is acted on

    private UnimplementedFlags() {
    }

    static boolean isImplemented(Flag flag) {
        return flag.component() && !NOT_YET_IMPLEMENTED.contains(flag.name());
    }

    /**
     * @param settings every flag's setting, and its converted value in {@code values}
     * @return one line per unimplemented flag whose value differs from its default
     */
    static List<String> warnings(List<Setting> settings, Map<String, Object> values) {
        List<String> warnings = new ArrayList<>();
        for (Setting s : settings) {
            Flag flag = s.flag();
            if (isImplemented(flag) || s.source() == Setting.Source.DEFAULT) {
                continue;
            }
            // compare converted values: 200ms and 0.2s are the same default
            Object defaultValue = Conversion.convert(Setting.byDefault(flag));
            if (!defaultValue.equals(values.get(flag.name()))) {
                String where = s.source() == Setting.Source.FLAG ? "" : " (set by " + s.origin() + ")";
                warnings.add(flag.longName() + where + " is accepted for sish compatibility but not implemented yet;"
                        + " ignored");
            }
        }
        return List.copyOf(warnings);
    }
}
