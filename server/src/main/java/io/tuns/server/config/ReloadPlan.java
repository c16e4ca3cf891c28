package io.tuns.server.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a changed config file means for a running server. sish re-reads its file (viper's WatchConfig) and, since
 * it reads most settings at the moment it uses them, a change simply applies from then on. tuns builds its parts
 * from one {@link ServerConfig}, so it reloads the keys it can change in place ({@link #LIVE}) and names every
 * other changed key as needing a restart, rather than pretending. Pure: a diff of two configs.
 *
 * @param applied changed keys the running server takes over now
 * @param restart changed keys that apply only after a restart
 */
public record ReloadPlan(List<String> applied, List<String> restart) {

    /** Keys reloaded in place (said in their {@code --help} line). */
    public static final Set<String> LIVE = Set.of("debug", "log-http-requests", "time-format");

    public static ReloadPlan of(ServerConfig running, ServerConfig fresh) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
            if (c.getName().equals("warnings")) {
                continue;
            }
            try {
                if (!Objects.equals(c.getAccessor().invoke(running), c.getAccessor().invoke(fresh))) {
                    String key = Flags.kebab(c.getName());
                    (LIVE.contains(key) ? applied : restart).add(key);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("ServerConfig." + c.getName(), e);
            }
        }
        return new ReloadPlan(List.copyOf(applied), List.copyOf(restart));
    }
}
