package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTest {

    private static String help() {
        StringWriter out = new StringWriter();
        CommandLine cl = ConfigLoader.serveCommandLine();
        cl.usage(new PrintWriter(out, true));
        return out.toString();
    }

    @Test
    void listsEveryFlagWithItsOwnDefault() {
        // wrapped lines are joined so "(default:\n   true)" reads as one phrase
        String help = help().replaceAll("\\s+", " ");
        for (Flag f : Flags.ALL) {
            int at = help.indexOf(f.longName() + (f.type() == boolean.class ? "[=" : "="));
            assertThat(at).as("%s listed", f.longName()).isNotNegative();
            int defaultAt = help.indexOf("(default: ", at);
            String shown = help.substring(defaultAt + "(default: ".length(), help.indexOf(')', defaultAt));
            String expected = f.defaultValue().isEmpty() ? "\"\"" : f.defaultValue().replace(",", ", ");
            // picocli may break a default longer than its column inside a word ("openssh.\n com"): compare
            // without white space
            assertThat(shown.replaceAll("\\s", "")).as("default of %s", f.longName())
                    .isEqualTo(expected.replaceAll("\\s", ""));
        }
    }

    @Test
    void everyDescriptionIsAValidFormatString() {
        // picocli formats descriptions: a bare % makes it warn on every parse and print the text unformatted
        for (Flag f : Flags.ALL) {
            assertThat(f.help()).as(f.longName()).satisfies(h -> String.format(h));
        }
    }

    @Test
    void showsShortNamesSectionsAndTheSyntax() {
        String help = help();
        assertThat(help).contains("-a, --ssh-address=HOST:PORT", "-c, --config=FILE", "-q, --proxy-protocol-version",
                "-y, --whitelisted-countries=LIST", "--https[=BOOL]", "--ping-client-interval=DURATION",
                "--service-console-max-content-length=SIZE");
        assertThat(help).contains("Listeners and addresses:", "Authentication:", "Limits (tuns; every bound has a flag):",
                "sish flags accepted for compatibility (no effect in tuns):");
        assertThat(help).contains("TUNS_<FLAG>", "SISH_<FLAG>", "1h30m", "64KiB", "KB, MB, GB mean the same binary units");
        assertThat(help).contains("(default: S3Cr3tP4$$phrAsE)");
        assertThat(help.replaceAll("\\s+", " ")).contains("with rate % chance, rising to 100 % at full");
        assertThat(help.indexOf("--ssh-address")).isLessThan(help.indexOf("--max-forwarded-channels"));
    }
}
