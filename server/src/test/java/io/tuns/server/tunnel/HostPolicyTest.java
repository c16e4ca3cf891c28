package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostPolicyTest {

    @Test
    void customDomainsNeedBindAnyHostOrABindHost() {
        HostPolicy strict = new HostPolicy("tuns.example", false, List.of("corp.example"), false, false, "-");
        assertThat(strict.hostFor("app.corp.example", "u")).isEqualTo("app.corp.example");
        assertThat(strict.hostFor("a.b.corp.example", "u")).isEqualTo("a.b.corp.example.tuns.example");
        assertThat(strict.hostFor("app", "u")).isEqualTo("app.tuns.example");
        HostPolicy any = new HostPolicy("tuns.example", true, List.of(), false, false, "-");
        assertThat(any.hostFor("www.mine.example", "u")).isEqualTo("www.mine.example");
    }

    @Test
    void appendUserAndWildcards() {
        HostPolicy p = new HostPolicy("tuns.example", false, List.of(), true, true, "-");
        assertThat(p.hostFor("app", "Alice")).isEqualTo("app-alice.tuns.example");
        assertThat(p.isAllowedWildcard("*.dev")).isTrue();
        assertThat(p.hostFor("*.dev", "alice")).isEqualTo("*.dev.tuns.example");
        assertThat(HostPolicy.wildcardCandidates("a.b.dev.tuns.example"))
                .containsExactly("*.b.dev.tuns.example", "*.dev.tuns.example", "*.tuns.example", "*.example");
    }
}
