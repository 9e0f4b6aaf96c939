package dev.tnorders.opentact.intake;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class InboxNamesTest {

    @TempDir
    Path inbox;

    @Test
    void aBackslashInANameBecomesAnUnderscoreAndNothingLeavesTheInbox() throws Exception {
        Files.writeString(inbox.resolve("..\\..\\etc\\passwd.csv"), "tn\n");
        Files.writeString(inbox.resolve("___.._etc_passwd.csv"), "taken\n");
        Files.writeString(inbox.resolve("plain.csv"), "tn\n");

        assertThat(new InboxNames(inbox.toString()).renameUnreadableNames()).isEqualTo(1);

        try (var files = Files.list(inbox)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("___.._etc_passwd.csv", "___.._etc_passwd-1.csv", "plain.csv");
        }
        assertThat(Files.readString(inbox.resolve("___.._etc_passwd-1.csv"))).isEqualTo("tn\n");
        assertThat(new InboxNames(inbox.toString()).renameUnreadableNames()).isZero();
    }

    @Test
    void aMissingInboxIsNotAnError() {
        assertThat(new InboxNames(inbox.resolve("absent").toString()).renameUnreadableNames()).isZero();
    }
}
