package dev.tnorders.opentact.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The instance's static id, decided once per application: the journal (its default transactional
 * id) and the requests consumers (their group.instance.ids) get the same one, whichever asks first.
 */
class StaticInstanceTest {

    @TempDir
    Path dir;

    @Test
    void theJournalAndTheConsumersOfOneApplicationShareOneSlot() {
        Object app = new Object();
        StaticInstance journal = StaticInstance.shared(app, "g", "", dir.toString());
        StaticInstance consumers = StaticInstance.shared(app, "g", "", dir.toString());
        try {
            assertThat(consumers).isSameAs(journal);
            assertThat(journal.kind()).isEqualTo(StaticInstance.Kind.DERIVED);
            assertThat(journal.slot()).isZero();
            assertThat(journal.id()).isEqualTo(HostInstanceId.current() + "-0");
            assertThat(journal.describe()).contains("slot 0").contains(dir.toString());
        } finally {
            journal.release();
        }
    }

    @Test
    void twoApplicationsOnOneHostTakeTwoSlotsAndARestartItsSlotAgain() {
        Object first = new Object();
        Object second = new Object();
        StaticInstance a = StaticInstance.shared(first, "g", "", dir.toString());
        StaticInstance b = StaticInstance.shared(second, "g", "", dir.toString());
        try {
            assertThat(a.slot()).isZero();
            assertThat(b.slot()).isEqualTo(1);
            assertThat(b.id()).isNotEqualTo(a.id());
            // the first stops (its consumers release it) and starts again: its slot, its id
            String was = a.id();
            a.release();
            StaticInstance again = StaticInstance.shared(first, "g", "", dir.toString());
            assertThat(again).isNotSameAs(a);
            assertThat(again.id()).isEqualTo(was);
            again.release();
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void withoutAnApplicationEachAskTakesASlotOfItsOwn() {
        StaticInstance a = StaticInstance.shared(null, "g", "", dir.toString());
        StaticInstance b = StaticInstance.shared(null, "g", "", dir.toString());
        try {
            assertThat(b).isNotSameAs(a);
            assertThat(b.slot()).isNotEqualTo(a.slot());
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void configuredOffAndNoSlot() throws IOException {
        StaticInstance configured = StaticInstance.resolve("g", " pod-3 ", dir.toString());
        assertThat(configured.kind()).isEqualTo(StaticInstance.Kind.CONFIGURED);
        assertThat(configured.id()).isEqualTo("pod-3");
        assertThat(configured.slot()).isEqualTo(-1);

        StaticInstance off = StaticInstance.resolve("g", "none", dir.toString());
        assertThat(off.kind()).isEqualTo(StaticInstance.Kind.OFF);
        assertThat(off.id()).isNull();

        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        StaticInstance noSlot = StaticInstance.resolve("g", "", notAFolder.toString());
        assertThat(noSlot.kind()).isEqualTo(StaticInstance.Kind.NO_SLOT);
        assertThat(noSlot.id()).isNull();
        assertThat(noSlot.failure()).isNotBlank();
        assertThat(noSlot.describe()).startsWith("none (no slot could be locked in " + notAFolder);

        assertThatThrownBy(() -> StaticInstance.resolve("g", "pod/3", dir.toString()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
