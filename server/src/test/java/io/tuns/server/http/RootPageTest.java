package io.tuns.server.http;

import io.tuns.server.tunnel.PublicUrls;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RootPageTest {

    @Test
    void showsTheBoundSshPortAndDomain() {
        String s = RootPage.sentence("tuns.example", false, new PublicUrls(80).withSshPort(2222));
        assertThat(s).isEqualTo("This is a tuns tunnel server. Open a tunnel with: "
                + "ssh -p 2222 -R myapp:80:localhost:3000 tuns.example");
    }

    @Test
    void leavesOutPort22AndHasNoPlaceholder() {
        String s = RootPage.sentence("tuns.example", false, new PublicUrls(80).withSshPort(22));
        assertThat(s).endsWith("with: ssh -R myapp:80:localhost:3000 tuns.example").doesNotContain("<ssh port>");
    }

    @Test
    void namesTheAdminConsoleUrlWithoutItsToken() {
        assertThat(RootPage.sentence("tuns.example", true, new PublicUrls(8080).withSshPort(2222)))
                .endsWith("the admin console is at http://tuns.example:8080/_sish/console"
                        + "?x-authorization=<--admin-console-token>");
        assertThat(RootPage.sentence("tuns.example", true, new PublicUrls(80, 443).withSshPort(22)))
                .contains("at https://tuns.example/_sish/console");
    }
}
