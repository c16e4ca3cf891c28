package io.tuns.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layers of ARCHITECTURE.md, checked on the compiled server classes (tests excluded). From top to bottom:
 * cli; the root wiring (TunsServer, ConsoleBackendAdapter, DebugDump); the protocol edges (ssh, http with its TLS
 * front, tls, tcp, console); the shared machinery (inspect, access, bridge, proxyproto, metrics, cluster, transport); the pure model
 * (tunnel, config). A layer uses only layers below it, packages in one layer may use each other, and no packages
 * form a cycle.
 */
class LayeringTest {

    static JavaClasses server;

    @BeforeAll
    static void importClasses() {
        server = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuns.server");
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.tuns.server.(*)..").should().beFreeOfCycles().check(server);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("io.tuns.server.cli..")
                .layer("wiring").definedBy("io.tuns.server")
                .layer("edges").definedBy("io.tuns.server.ssh..", "io.tuns.server.http..", "io.tuns.server.tls..",
                        "io.tuns.server.tcp..", "io.tuns.server.console..")
                .layer("shared").definedBy("io.tuns.server.inspect..", "io.tuns.server.access..",
                        "io.tuns.server.bridge..", "io.tuns.server.proxyproto..", "io.tuns.server.metrics..",
                        "io.tuns.server.memory..", "io.tuns.server.cluster..", "io.tuns.server.transport..")
                .layer("model").definedBy("io.tuns.server.tunnel..", "io.tuns.server.config..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("wiring").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("edges").mayOnlyBeAccessedByLayers("cli", "wiring")
                .whereLayer("shared").mayOnlyBeAccessedByLayers("cli", "wiring", "edges")
                .whereLayer("model").mayOnlyBeAccessedByLayers("cli", "wiring", "edges", "shared")
                .check(server);
    }

    /** The SSH⇄Netty bridge is the lowest of the shared packages: the PROXY header is built above it and handed in. */
    @Test
    void theBridgeKnowsNothingOfProxyProtocol() {
        noClasses().that().resideInAPackage("io.tuns.server.bridge..")
                .should().dependOnClassesThat().resideInAPackage("io.tuns.server.proxyproto..").check(server);
    }

    /** The ssh side gets its console tokens from the wiring; it does not reach into the console. */
    @Test
    void sshDoesNotUseTheConsole() {
        noClasses().that().resideInAPackage("io.tuns.server.ssh..")
                .should().dependOnClassesThat().resideInAPackage("io.tuns.server.console..").check(server);
    }

    /**
     * The decisions about names are pure: no Netty, no MINA. (ChannelSink in the same package speaks MINA's
     * output stream: it is the contract by which a tunnel's owner hands bytes over, not a decision.)
     */
    @Test
    void ownershipAndNamingDecisionsHaveNoNettyOrMinaTypes() {
        noClasses().that().haveNameMatching(
                        "io\\.tuns\\.server\\.tunnel\\.(ForwardOwnership|TunnelRegistry|HostPolicy|NameAllocator|HttpBinding)(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "org.apache.sshd..").check(server);
    }
}
