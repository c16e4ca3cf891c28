package io.tuns.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The defaults are the ones documented in the ServerConfig comments (tuns differs from sish where noted). */
class DefaultsTest {

    @Test
    void everyComponentHasTheDocumentedDefault() {
        ServerConfig c = ConfigLoader.fromArgs();
        assertThat(c.sshAddress()).isEqualTo("localhost:2222");
        assertThat(c.httpAddress()).as("tuns").isEqualTo("localhost:8080");
        assertThat(c.httpsAddress()).as("tuns").isEqualTo("localhost:8443");
        assertThat(c.https()).isFalse();
        assertThat(c.domain()).as("tuns").isEqualTo("localhost");
        assertThat(c.redirectRoot()).isTrue();
        assertThat(c.redirectRootLocation()).as("tuns").isEmpty();
        assertThat(List.of(c.httpPortOverride(), c.httpsPortOverride(), c.httpRequestPortOverride(),
                c.httpsRequestPortOverride())).containsOnly(0);
        assertThat(c.tcpAddress()).isEmpty();
        assertThat(c.localhostAsAll()).isTrue();
        assertThat(c.forceTcpAddress()).isFalse();
        assertThat(c.portBindRange()).isEqualTo("0,1024-65535");

        assertThat(c.bindRandomSubdomains()).isFalse();
        assertThat(c.bindRandomSubdomainsLength()).isEqualTo(3);
        assertThat(c.bindRandomAliases()).isFalse();
        assertThat(c.bindRandomAliasesLength()).isEqualTo(3);
        assertThat(c.bindRandomPorts()).isFalse();
        assertThat(List.of(c.forceRequestedSubdomains(), c.forceRequestedAliases(), c.forceRequestedPorts(),
                c.appendUserToSubdomain(), c.bindAnyHost(), c.bindRootDomain(), c.bindWildcards())).containsOnly(false);
        assertThat(c.bannedSubdomains()).containsExactly("localhost");
        assertThat(c.bannedAliases()).isEmpty();
        assertThat(c.appendUserToSubdomainSeparator()).isEqualTo("-");
        assertThat(c.bindHosts()).isEmpty();
        assertThat(List.of(c.bindHttpAuth(), c.bindHttpPath(), c.stripHttpPath(), c.rewriteHostHeader(),
                c.verifyDns())).containsOnly(true);

        assertThat(c.authentication()).isTrue();
        assertThat(c.authenticationKeysDirectory()).isEqualTo(Path.of("deploy/pubkeys"));
        assertThat(c.authenticationKeysDirectoryWatchInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.authenticationPassword()).isEmpty();
        assertThat(c.authenticationKeyRequestUrl()).isEmpty();
        assertThat(c.authenticationKeyRequestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.authenticationPasswordRequestUrl()).isEmpty();
        assertThat(c.authenticationPasswordRequestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.privateKeysDirectory()).isEqualTo(Path.of("deploy/keys"));
        assertThat(c.privateKeyPassphrase()).isEqualTo("S3Cr3tP4$$phrAsE");

        assertThat(c.httpsCertificateDirectory()).isEqualTo(Path.of("deploy/ssl"));
        assertThat(c.httpsCertificateDirectoryWatchInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(List.of(c.httpsOndemandCertificate(), c.httpsOndemandCertificateAcceptTerms(), c.forceAllHttps(),
                c.forceHttps(), c.proxySslTermination())).containsOnly(false);
        assertThat(c.httpsOndemandCertificateEmail()).isEmpty();
        assertThat(c.verifySsl()).isTrue();
        assertThat(c.httpsH2()).as("tuns offers h2 on HTTPS, as sish").isTrue();

        assertThat(List.of(c.tcpAliases(), c.tcpAliasesAllowedUsers(), c.httpLoadBalancer(), c.tcpLoadBalancer(),
                c.aliasLoadBalancer(), c.sniLoadBalancer(), c.sniProxy(), c.sniProxyHttps(), c.proxyProtocol(),
                c.proxyProtocolListener(), c.proxyProtocolUseTimeout())).containsOnly(false);
        assertThat(c.proxyProtocolVersion()).isEqualTo("1");
        assertThat(c.proxyProtocolPolicy()).isEqualTo("use");
        assertThat(c.proxyProtocolTimeout()).isEqualTo(Duration.ofMillis(200));

        assertThat(c.adminConsole()).isFalse();
        assertThat(c.adminConsoleToken()).isEmpty();
        assertThat(c.serviceConsole()).isFalse();
        assertThat(c.serviceConsoleToken()).isEmpty();
        assertThat(c.serviceConsoleMaxContentLength()).as("tuns").isEqualTo(65536);
        assertThat(c.inspectMaxTotalBytes()).isEqualTo(64L << 20);
        assertThat(c.inspectMaxExchangesPerTunnel()).isEqualTo(100);
        assertThat(c.inspectMaxBytesPerTunnel()).isEqualTo(8L << 20);
        assertThat(c.inspectMaxRenderedBytes()).isEqualTo(1L << 20);
        assertThat(c.inspectRedactHeaders()).containsExactly("authorization", "cookie", "set-cookie", "proxy-authorization");
        assertThat(c.inspectAlways()).as("bodies captured without a viewer").isTrue();
        assertThat(c.inspectHistoryKeep()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.consoleMaxViewersPerTunnel()).isEqualTo(8);
        assertThat(c.consoleMaxViewers()).isEqualTo(256);

        assertThat(c.idleConnection()).as("tuns").isFalse();
        assertThat(c.idleConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.pingClient()).isTrue();
        assertThat(c.pingClientInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.pingClientTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.cleanupUnauthed()).isTrue();
        assertThat(c.cleanupUnauthedTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.cleanupUnbound()).isFalse();
        assertThat(c.cleanupUnboundTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.aliasDrainTimeout()).as("tuns").isEqualTo(Duration.ofSeconds(30));

        assertThat(List.of(c.bannedIps(), c.whitelistedIps(), c.bannedCountries(), c.whitelistedCountries()))
                .allSatisfy(l -> assertThat(l).isEmpty());
        assertThat(c.geodb()).isFalse();
        assertThat(c.logToClient()).isFalse();
        assertThat(c.timeFormat()).isEqualTo("2006/01/02 - 15:04:05");
        assertThat(c.debug()).isFalse();
        assertThat(c.welcomeMessage()).isEqualTo("Press Ctrl-C to close the session.");

        assertThat(c.maxForwardedChannels()).isEqualTo(4096);
        assertThat(c.maxChannelsPerConnection()).isEqualTo(256);
        assertThat(c.maxForwardsPerConnection()).isEqualTo(64);
        assertThat(c.sshWindowSize()).isEqualTo(1L << 20);
        assertThat(c.sshWriteHighWater()).isEqualTo(256L << 10);
        assertThat(c.sshWriteLowWater()).isEqualTo(64L << 10);
        assertThat(c.channelOpenTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.httpMaxInitialLineLength()).isEqualTo(8192);
        assertThat(c.httpMaxHeaderSize()).isEqualTo(32768);
        assertThat(c.httpHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.httpBodyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.httpMaxClientShare()).isEqualTo(50);
        assertThat(c.sessionMessageQueue()).isEqualTo(100);
        assertThat(c.forwardOptionsWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.memoryBudget()).isEqualTo("auto");

        assertThat(c.metricsAddress()).isEmpty();
        assertThat(c.metricsUserLabels()).isTrue();
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void everyComponentExceptWarningsIsAFlag() {
        List<String> components = java.util.Arrays.stream(ServerConfig.class.getRecordComponents())
                .map(rc -> Flags.kebab(rc.getName())).filter(n -> !n.equals("warnings")).toList();
        assertThat(Flags.ALL.stream().filter(Flag::component).map(Flag::name).toList())
                .containsExactlyElementsOf(components);
    }
}
