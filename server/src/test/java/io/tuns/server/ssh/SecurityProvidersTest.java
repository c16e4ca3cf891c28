package io.tuns.server.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MINA's provider choice is made once per JVM, so each case runs in a JVM of its own. */
@Timeout(60)
class SecurityProvidersTest {

    /** Run in a fresh JVM: registers as tuns does, prints what MINA then uses. */
    public static void main(String[] args) {
        SecurityProviders.register();
        System.out.println("bc=" + SecurityUtils.isBouncyCastleRegistered()
                + " eddsa=" + SecurityUtils.getEdDSASupport().map(s -> s.getClass().getSimpleName()).orElse("none"));
    }

    private static String freshJvm(String... props) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SecurityProvidersTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().filter(l -> l.startsWith("bc=")).findFirst().orElse(out);
    }

    @Test
    void ed25519ComesFromTheJdkAndBouncyCastleIsNotRegistered() throws Exception {
        assertThat(freshJvm()).isEqualTo("bc=false eddsa=JdkEdDSASupport");
    }

    @Test
    void minasOwnPropertyBringsBouncyCastleBack() throws Exception {
        assertThat(freshJvm("-D" + SecurityProviders.BC_ENABLED_PROPERTY + "=true"))
                .isEqualTo("bc=true eddsa=BouncyCastleEdDSASupport");
    }
}
