package io.tuns.server.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The shipped ops/cluster/haproxy.cfg and the environment it reads its addresses and ports from. */
final class HaproxyConfig {

    private HaproxyConfig() {
    }

    /** ops/cluster/haproxy.cfg: Maven runs tests in server/, an IDE may run them at the root. */
    static Path file() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path cfg = dir.resolve("ops/cluster/haproxy.cfg");
            if (Files.isRegularFile(cfg)) {
                return cfg;
            }
        }
        throw new IllegalStateException("no ops/cluster/haproxy.cfg above " + Path.of("").toAbsolutePath());
    }

    /** The variables the file names, as its header documents them for a deployment. */
    static Map<String, String> deployment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TUNS_BIND", "0.0.0.0");
        env.put("TUNS_N1", "10.0.0.11");
        env.put("TUNS_N2", "10.0.0.12");
        env.put("TUNS_N3", "10.0.0.13");
        env.put("TUNS_SSH_FRONT", "22");
        env.put("TUNS_HTTP_FRONT", "80");
        env.put("TUNS_SSH_PORT", "2222");
        env.put("TUNS_HTTP_PORT", "8080");
        env.put("TUNS_HTTPS_FRONT", "443");
        env.put("TUNS_HTTPS_PORT", "8443");
        env.put("TUNS_TCP_PORTS", "20000-20999");
        env.put("TUNS_CHECK_INTER", "1s");
        env.put("TUNS_MAXCONN", "20000");
        return env;
    }
}
