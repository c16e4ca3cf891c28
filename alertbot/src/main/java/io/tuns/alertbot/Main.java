package io.tuns.alertbot;

import io.tuns.alertbot.config.AlertbotConfig;
import io.tuns.alertbot.config.ConfigException;
import io.tuns.alertbot.config.ConfigLoader;
import io.tuns.alertbot.mail.MailText;
import io.tuns.alertbot.mail.Mailer;
import io.tuns.alertbot.mail.OutboxMail;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/tuns alertbot --config alertbot.yml [--check-config | --send-test-mail]}. */
@Command(name = "tuns alertbot", mixinStandardHelpOptions = true,
        description = "Watches the IRC bouncer, relays Alertmanager alerts to IRC, e-mails when the IRC path breaks.")
public final class Main implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "path to alertbot.yml")
    Path config;

    @Option(names = "--check-config", description = "validate the configuration and exit")
    boolean checkConfig;

    @Option(names = "--send-test-mail", description = "send one test mail through the configured SMTP server and exit")
    boolean sendTestMail;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        AlertbotConfig cfg;
        try {
            cfg = new ConfigLoader(System::getenv).load(config);
        } catch (ConfigException e) {
            System.err.println("tuns alertbot: config error: " + e.getMessage());
            return 2;
        }
        if (checkConfig) {
            System.out.println("tuns alertbot: " + config + " is valid (irc " + cfg.irc().target() + " "
                    + cfg.irc().channel() + ", mail via " + cfg.mail().host() + ":" + cfg.mail().port() + ")");
            return 0;
        }
        Clock clock = Clock.systemUTC();
        if (sendTestMail) {
            MailText text = new MailText(cfg.zone(), cfg.mail().from());
            try {
                new Mailer(cfg.mail()).send(new OutboxMail(text.newMessageId("test"), Optional.empty(),
                        cfg.mail().to(), "[TEST] tuns alertbot mail works",
                        "This is a test mail from tuns alertbot, sent at " + text.time(clock.instant()) + ".\n",
                        clock.instant(), "test"));
                System.out.println("tuns alertbot: test mail sent to " + String.join(", ", cfg.mail().to()));
                return 0;
            } catch (Exception e) {
                System.err.println("tuns alertbot: test mail failed: " + e.getMessage());
                return 1;
            }
        }
        AlertBot bot;
        try {
            bot = new AlertBot(cfg, clock);
        } catch (Exception e) {
            System.err.println("tuns alertbot: cannot start: " + e.getMessage());
            return 1;
        }
        try {
            bot.start();
        } catch (Exception e) {
            bot.close();
            System.err.println("tuns alertbot: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bot.close();
            stop.countDown();
        }, "alertbot-shutdown"));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
