package io.tuns.server.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NameAllocatorTest {

    private final NameAllocator names = new NameAllocator("Example.COM", false, 3, List.of("localhost", "www"));

    @Test
    void requestedNamesAreLowerCasedAndNoNameMeansRandom() {
        assertThat(names.requestedName("MyApp")).isEqualTo("myapp");
        assertThat(names.requestedName("myapp.example.com")).isEqualTo("myapp");
        assertThat(names.requestedName("localhost")).isNull();
        assertThat(names.requestedName("")).isNull();
        assertThat(names.requestedName("*")).isNull();
        // an IPv6 address names no host a browser can ask for (tuns' choice; sish would grant "::1.<domain>")
        assertThat(names.requestedName("::1")).isNull();
    }

    @Test
    void anIpv4AddressIsANameAsInSish() {
        // sish utils.go GetOpenHost: proposedHost := fmt.Sprintf("%s%s.%s", addr, hostExtension, domain), so
        // -R 80:127.0.0.1:… is granted "127.0.0.1.<domain>"
        assertThat(names.requestedName("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(names.refusalReason("127.0.0.1")).isNull();
        assertThat(names.hostFor(names.requestedName("0.0.0.0"))).isEqualTo("0.0.0.0.example.com");
    }

    @Test
    void bannedAndInvalidNamesAreRefusedWithAReason() {
        assertThat(names.refusalReason("www")).isEqualTo("it is reserved");
        assertThat(names.refusalReason("bad_name")).startsWith("it is not a valid host name");
        assertThat(names.refusalReason("-x")).startsWith("it is not a valid host name");
        assertThat(names.refusalReason("good-name")).isNull();
        assertThat(names.refusalReason("a.b")).isNull();
        assertThat(new NameAllocator("x", true, 3, List.of()).refusalReason("good"))
                .isEqualTo("random subdomains are enforced on this server");
    }

    @Test
    void randomNamesHaveTheConfiguredLengthAndGrowAfterCollisions() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String n = names.randomName(0);
            assertThat(n).matches("[a-z0-9]{3}");
            seen.add(n);
        }
        assertThat(seen.size()).isGreaterThan(150);
        assertThat(names.randomName(16)).hasSize(5);
        assertThat(names.hostFor("abc")).isEqualTo("abc.example.com");
    }
}
