package io.tuns.server.inspect;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tuns.server.config.ServerConfig;
import io.tuns.server.metrics.Metrics;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link ServerConfig} for unit tests by component name, so the tests survive new components: everything not
 * named gets a neutral value, and the inspection bounds get their documented defaults.
 */
public final class TestConfigs {

    private TestConfigs() {
    }

    public static Map<String, Object> inspectDefaults() {
        Map<String, Object> m = new HashMap<>();
        m.put("domain", "localhost");
        m.put("serviceConsole", true);
        m.put("serviceConsoleMaxContentLength", 64L * 1024);
        m.put("inspectMaxTotalBytes", 64L * 1024 * 1024);
        m.put("inspectMaxExchangesPerTunnel", 100);
        m.put("inspectMaxBytesPerTunnel", 8L * 1024 * 1024);
        m.put("inspectMaxRenderedBytes", 1024L * 1024);
        m.put("inspectRedactHeaders", List.of("authorization", "cookie", "set-cookie", "proxy-authorization"));
        m.put("consoleMaxViewersPerTunnel", 8);
        m.put("consoleMaxViewers", 256);
        return m;
    }

    public static ServerConfig config(Map<String, Object> overrides) {
        Map<String, Object> values = inspectDefaults();
        values.putAll(overrides);
        RecordComponent[] components = ServerConfig.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            Object v = values.containsKey(components[i].getName()) ? values.get(components[i].getName())
                    : neutral(types[i]);
            args[i] = v;
        }
        try {
            Constructor<ServerConfig> c = ServerConfig.class.getDeclaredConstructor(types);
            return c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ServerConfig config(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config(m);
    }

    public static Metrics metrics() {
        return new Metrics(new PrometheusRegistry(), false);
    }

    private static Object neutral(Class<?> type) {
        if (type == boolean.class) return false;
        if (type == int.class) return 0;
        if (type == long.class) return 0L;
        if (type == double.class) return 0.0;
        if (type == String.class) return "";
        if (type == List.class) return List.of();
        if (type == Duration.class) return Duration.ofSeconds(5);
        return null;
    }
}
