package dev.tnorders.opentact;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages' layers (docs/architecture.md, "Packages"): each may use the ones below it, never one
 * above, no two packages use each other, and no two files. A new import that runs the wrong way
 * fails here, with the classes that make the arrow.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.tnorders.opentact";

    static final JavaClasses MAIN = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void noCircleBetweenPackages() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    /** Nor two files (top-level types with their nested ones) within a package or across them. */
    @Test
    void noCircleBetweenFiles() {
        slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                JavaClass top = javaClass;
                while (top.getEnclosingClass().isPresent()) {
                    top = top.getEnclosingClass().get();
                }
                return top.getName().startsWith(ROOT + ".") ? SliceIdentifier.of(top.getName()) : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "top-level types";
            }
        }).should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void eachPackageUsesOnlyTheLayersBelowIt() {
        layers().check(MAIN);
    }

    /** Bottom to top; a layer may be used only by those named after it. */
    static LayeredArchitecture layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("model").definedBy(ROOT + ".model..")
                .layer("control").definedBy(ROOT + ".control..")
                .layer("trace").definedBy(ROOT + ".trace..")
                .layer("kafka").definedBy(ROOT + ".kafka..")
                .layer("config").definedBy(ROOT + ".config..")
                .layer("client").definedBy(ROOT + ".client..")
                .layer("journal").definedBy(ROOT + ".journal..")
                .layer("order").definedBy(ROOT + ".order..")
                .layer("files").definedBy(ROOT + ".files..")
                .layer("intake").definedBy(ROOT + ".intake..")
                .layer("ops").definedBy(ROOT + ".ops..")
                .layer("sandbox").definedBy(ROOT + ".sandbox..")
                .layer("standalone").definedBy(ROOT + ".standalone..")
                .layer("wiring").definedBy(ROOT + ".wiring..")
                .whereLayer("wiring").mayNotBeAccessedByAnyLayer()
                .whereLayer("standalone").mayNotBeAccessedByAnyLayer()
                .whereLayer("sandbox").mayOnlyBeAccessedByLayers("standalone")
                .whereLayer("ops").mayOnlyBeAccessedByLayers("standalone", "wiring")
                .whereLayer("intake").mayOnlyBeAccessedByLayers("ops", "standalone", "wiring")
                .whereLayer("files").mayOnlyBeAccessedByLayers("intake", "ops", "standalone", "wiring")
                .whereLayer("order").mayOnlyBeAccessedByLayers("intake", "ops", "standalone", "wiring")
                .whereLayer("journal").mayOnlyBeAccessedByLayers("order", "intake", "ops", "standalone", "wiring")
                .whereLayer("client").mayOnlyBeAccessedByLayers("order", "intake", "ops", "standalone", "wiring")
                .whereLayer("config").mayOnlyBeAccessedByLayers("client", "journal", "order", "files", "intake", "ops",
                        "standalone", "wiring")
                .whereLayer("kafka").mayOnlyBeAccessedByLayers("config", "client", "journal", "order", "files", "intake",
                        "ops", "standalone", "wiring")
                .whereLayer("trace").mayOnlyBeAccessedByLayers("kafka", "config", "client", "journal", "order", "files",
                        "intake", "ops", "standalone", "wiring")
                .whereLayer("control").mayOnlyBeAccessedByLayers("trace", "kafka", "config", "client", "journal", "order",
                        "files", "intake", "ops", "standalone", "wiring");
    }
}
