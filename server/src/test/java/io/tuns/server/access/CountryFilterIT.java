package io.tuns.server.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuns.server.config.ConfigException;
import io.tuns.server.config.ConfigLoader;
import io.tuns.server.it.Curl;
import io.tuns.server.it.SshClient;
import io.tuns.server.it.TestBackend;
import io.tuns.server.it.TunsFixture;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * --geodb with --banned-countries / --whitelisted-countries. The country database is written in MaxMind DB format
 * by Debian's libmaxmind-db-writer-perl: 127.0.0.2 is in DE, 127.0.0.3 in FR, 127.0.0.1 in no country. Clients
 * pick their source address on the loopback network, so one machine is several countries.
 */
class CountryFilterIT {

    static Path db;

    @BeforeAll
    static void writeDatabase() throws Exception {
        Path dir = Files.createTempDirectory("tuns-geodb");
        db = dir.resolve("countries.mmdb");
        Path script = Path.of("src/test/resources/geodb/write-country-db.pl");
        Process p = new ProcessBuilder("perl", script.toString(), db.toString(), "127.0.0.2=DE", "127.0.0.3=FR")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Test
    void theDatabaseIsReadAsWritten() throws Exception {
        try (CountryLookup lookup = CountryLookup.open(db)) {
            assertThat(lookup.country(InetAddress.getByName("127.0.0.2"))).contains("DE");
            assertThat(lookup.country(InetAddress.getByName("::ffff:127.0.0.3"))).contains("FR");
            assertThat(lookup.country(InetAddress.getByName("127.0.0.1"))).isEmpty();
        }
    }

    @Test
    void aBannedCountryIsRefusedOnSshAndHttpWhileOtherCountriesWork() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--geodb", "--geodb-path=" + db, "--banned-countries=de");
             TestBackend backend = new TestBackend()) {
            SshClient owner = tuns.ssh("-b", "127.0.0.3", "-R", "web:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            owner.httpUrl();
            SshClient german = tuns.ssh("-b", "127.0.0.2", "-R", "de:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(german.process().waitFor()).isNotZero();
            assertThat(tuns.server.registry().httpTunnel("de.localhost")).isEmpty();

            assertHttpFromEachAddress(tuns, "web", "no country is not a banned one");
        }
    }

    @Test
    void aCountryWhitelistLetsOnlyThatCountryAndWhitelistedIpsIn() throws Exception {
        try (TunsFixture tuns = TunsFixture.start("--geodb", "--geodb-path=" + db, "--whitelisted-countries=FR",
                "--whitelisted-ips=127.0.0.1");
             TestBackend backend = new TestBackend()) {
            SshClient french = tuns.ssh("-b", "127.0.0.3", "-R", "fr:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            french.httpUrl();
            SshClient german = tuns.ssh("-b", "127.0.0.2", "-R", "de:80:127.0.0.1:" + backend.port(), "127.0.0.1");
            assertThat(german.process().waitFor()).isNotZero();
            assertHttpFromEachAddress(tuns, "fr", "whitelisted IP");
        }
    }

    @Test
    void countryFlagsWithoutADatabaseAreAOneLineConfigError() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--banned-countries=DE"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--banned-countries")
                .hasMessageContaining("--geodb-path");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--geodb"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--geodb")
                .hasMessageContaining("GeoLite2-Country.mmdb");
        assertThatThrownBy(() -> ConfigLoader.fromArgs("--geodb", "--geodb-path=/nonexistent/c.mmdb"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--geodb-path")
                .hasMessageContaining("/nonexistent/c.mmdb").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /**
     * The tunnel {@code name} over HTTP from each test address: served from 127.0.0.3 (FR in the test database) and
     * from 127.0.0.1 ({@code why127}: no country, or a whitelisted IP), refused with a 403 that names the address
     * from 127.0.0.2 (DE).
     */
    private static void assertHttpFromEachAddress(TunsFixture tuns, String name, String why127) throws Exception {
        String host = "Host: " + name + ".localhost:" + tuns.server.httpPort();
        assertThat(Curl.run("--interface", "127.0.0.3", "-H", host, tuns.curlBase() + "/hello").out())
                .isEqualTo("hello from backend\n");
        assertThat(Curl.run("-H", host, tuns.curlBase() + "/hello").out()).as(why127)
                .isEqualTo("hello from backend\n");
        assertThat(Curl.run("-i", "--interface", "127.0.0.2", "-H", host, tuns.curlBase() + "/hello").out())
                .startsWith("HTTP/1.1 403").contains("Your address 127.0.0.2 is not allowed to use this server");
    }
}
