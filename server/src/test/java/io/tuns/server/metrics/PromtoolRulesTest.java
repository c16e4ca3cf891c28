package io.tuns.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs Debian's promtool (and amtool, when installed) on everything in ops/, so a rule or config
 * that Prometheus would reject, or an alert without a test, fails the build.
 */
class PromtoolRulesTest {
    /** Always firing by design, so it can have no quiet case. */
    private static final Set<String> ALWAYS_FIRING = Set.of("Watchdog");

    private final Path ops = OpsFiles.opsDir();
    private final Path rules = ops.resolve("prometheus/rules/tuns.rules.yml");
    private final Path ruleTests = ops.resolve("prometheus/tests/tuns.rules.test.yml");
    private final Path alertmanager = ops.resolve("alertmanager/alertmanager.yml");

    @Test
    void prometheusConfigIsValidWithItsRules(@TempDir Path etc) throws IOException {
        // promtool opens the token file named in the config, so check a copy with a dummy token.
        copyTree(ops.resolve("prometheus"), etc);
        Files.createDirectories(etc.resolve("secrets"));
        Files.writeString(etc.resolve("secrets/tuns-admin-token"), "dummy\n");

        String out = Tools.runOk(Tools.require("promtool"), "check", "config", etc.resolve("prometheus.yml").toString());
        assertThat(out).contains("SUCCESS").contains("rules found");
    }

    @Test
    void rulesAreValid() {
        assertThat(Tools.runOk(Tools.require("promtool"), "check", "rules", rules.toString())).contains("SUCCESS");
    }

    @Test
    void ruleUnitTestsPass() {
        assertThat(Tools.runOk(Tools.require("promtool"), "test", "rules", ruleTests.toString())).contains("SUCCESS");
    }

    @Test
    void everyAlertHasSeverityAnnotationsAndAFiringAndAQuietTest() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : yaml.readTree(rules.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                alerts.add(name);
                assertThat(rule.path("labels").path("severity").asText()).as(name + " severity").isNotEmpty();
                assertThat(rule.path("annotations").path("summary").asText()).as(name + " summary").isNotEmpty();
                assertThat(rule.path("annotations").path("description").asText()).as(name + " description")
                        .isNotEmpty();
            }
        }
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : yaml.readTree(ruleTests.toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                boolean fires = check.path("exp_alerts").size() > 0;
                (fires ? firing : quiet).add(check.path("alertname").asText());
            }
        }
        Set<String> needQuiet = new TreeSet<>(alerts);
        needQuiet.removeAll(ALWAYS_FIRING);

        assertThat(alerts).contains("TunsDown", "TunsMemoryNearLimit", "TunsCaptureBudgetSaturated",
                "TunsHigh5xxRatio", "TunsSshAuthFailureBurst", "TunsCertificateExpiringSoon", "TunsAlertbotDown",
                "Watchdog");
        assertThat(firing).as("alerts with a firing test").containsAll(alerts);
        assertThat(quiet).as("alerts with a quiet test").containsAll(needQuiet);
    }

    @Test
    void alertmanagerConfigIsValid() {
        assertThat(Tools.runOk(amtool(), "check-config", alertmanager.toString())).contains("SUCCESS");
    }

    @Test
    void alertmanagerRoutesWatchdogToTheBotAndBotDeathToEmail() {
        Map<String, String> expected = Map.of(
                "alertname=Watchdog severity=none", "alertbot-heartbeat",
                "alertname=TunsAlertbotDown severity=critical job=tuns-alertbot", "email",
                "alertname=TunsDown severity=critical job=tuns", "alertbot-and-email",
                "alertname=TunsHigh5xxRatio severity=warning job=tuns", "alertbot");
        String amtool = amtool();
        expected.forEach((labels, receiver) -> {
            List<String> command = new ArrayList<>(List.of(amtool, "config", "routes", "test",
                    "--config.file=" + alertmanager, "--verify.receivers=" + receiver));
            command.addAll(List.of(labels.split(" ")));
            // amtool exits non-zero when --verify.receivers does not match; it also prints a warning line.
            assertThat(Tools.runOk(command.toArray(String[]::new)).lines()).as(labels).contains(receiver);
        });
    }

    /** amtool comes from prometheus-alertmanager, which CI may not install yet: skip, don't fail. */
    private static String amtool() {
        String amtool = Tools.find("amtool");
        assumeTrue(amtool != null, "amtool not installed (Debian package prometheus-alertmanager)");
        return amtool;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        } catch (IOException e) {
            fail("cannot copy " + from + ": " + e);
        }
    }
}
