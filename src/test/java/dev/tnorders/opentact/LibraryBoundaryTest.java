package dev.tnorders.opentact;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a host loads from the jar (the routes, their beans and the classes they use) must not
 * need the optional parts: the sandbox, the embedded broker, Camel Main, the Kafka server. Only
 * the sandbox and standalone packages may use them; those two are not in the library jar (pom.xml:
 * they ship as its jar with classifier standalone, and each host build's verify.groovy fails if one of
 * their classes is in the library jar).
 */
class LibraryBoundaryTest {

    private static final Path CLASSES = Path.of("target/classes/dev/tnorders/opentact");
    private static final List<String> OPTIONAL = List.of("dev/tnorders/opentact/sandbox/",
            "dev/tnorders/opentact/standalone/", "org/apache/camel/main/", "kafka/server/", "kafka/tools/",
            "org/apache/kafka/server/", "org/apache/logging/log4j/");

    @Test
    void routesAndTheirBeansDoNotNeedTheOptionalParts() throws IOException {
        List<Path> routes;
        try (Stream<Path> files = Files.list(CLASSES.resolve("routes"))) {
            routes = new ArrayList<>(files.filter(f -> f.toString().endsWith(".camel.yaml")).toList());
        }
        assertThat(routes).isNotEmpty().noneMatch(f -> f.endsWith("beans.camel.yaml"));
        // The beans ship beside the routes (a host includes the file first: docs/embedding.md).
        routes.add(CLASSES.resolve("beans.camel.yaml"));
        for (Path route : routes) {
            String text = Files.readString(route);
            assertThat(text).as(route.toString()).doesNotContain("opentact.sandbox").doesNotContain("opentact.standalone");
        }
    }

    @Test
    void libraryClassesDoNotReferenceTheOptionalParts() throws IOException {
        List<Path> classes;
        try (Stream<Path> files = Files.walk(CLASSES)) {
            classes = files.filter(f -> f.toString().endsWith(".class"))
                    .filter(f -> !f.startsWith(CLASSES.resolve("sandbox")) && !f.startsWith(CLASSES.resolve("standalone")))
                    .toList();
        }
        assertThat(classes).hasSizeGreaterThan(10);
        for (Path c : classes) {
            // Class references are plain UTF-8 names in the constant pool.
            String constants = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
            for (String optional : OPTIONAL) {
                assertThat(constants).as(c + " refers to " + optional).doesNotContain(optional);
            }
        }
    }

    @Test
    void onlyTheTracingPackageNeedsOpenTelemetry() throws IOException {
        // Tracing is optional (opentact.tracing.enabled): OrderJournal reaches it through TraceHeaders only.
        List<Path> classes;
        try (Stream<Path> files = Files.walk(CLASSES)) {
            classes = files.filter(f -> f.toString().endsWith(".class"))
                    .filter(f -> !f.startsWith(CLASSES.resolve("trace/otel")) && !f.startsWith(CLASSES.resolve("standalone")))
                    .toList();
        }
        for (Path c : classes) {
            String constants = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
            assertThat(constants).as(c + " refers to OpenTelemetry").doesNotContain("io/opentelemetry/")
                    .doesNotContain("org/apache/camel/opentelemetry2/").doesNotContain("org/apache/camel/telemetry/");
        }
    }

    @Test
    void theJarShipsNoApplicationOrLoggingConfiguration() throws IOException {
        try (Stream<Path> top = Files.list(Path.of("target/classes"))) {
            assertThat(top.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith("application.") || name.startsWith("log4j")
                            || name.startsWith("logback") || name.equals("simplelogger.properties"));
        }
    }
}
