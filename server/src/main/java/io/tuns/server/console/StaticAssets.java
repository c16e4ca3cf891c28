package io.tuns.server.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The console's pages, script and style, bundled in the jar and read once (a few tens of KiB). No CDN. */
final class StaticAssets {

    record Asset(String contentType, byte[] bytes) { }

    private static final Map<String, String> TYPES = Map.of(
            "service.html", "text/html; charset=utf-8",
            "admin.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "admin.js", "text/javascript; charset=utf-8",
            "common.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, Asset> assets;

    StaticAssets() {
        HashMap<String, Asset> loaded = new HashMap<>();
        TYPES.forEach((name, type) -> loaded.put(name, new Asset(type, read(name))));
        this.assets = Map.copyOf(loaded);
    }

    Optional<Asset> get(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    private static byte[] read(String name) {
        try (InputStream in = StaticAssets.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console asset missing from the jar: /console/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
