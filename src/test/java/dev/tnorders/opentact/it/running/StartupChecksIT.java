package dev.tnorders.opentact.it.running;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.it.RunningApp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the application refuses at start, with a message a person can act on. */
class StartupChecksIT {

    @TempDir
    Path work;

    @Test
    void plainHttpToANonLoopbackHostIsRefused() {
        RunningApp app = new RunningApp(work, "http://api.opentact.org", "secret-token-value");
        try {
            assertThatThrownBy(app::start).hasRootCauseMessage("opentact.api.base-url must be https (plain http is "
                    + "only allowed to 127.0.0.1, ::1 or localhost, because the API token would travel in clear); "
                    + "got http://api.opentact.org")
                    .satisfies(e -> assertThat(stackText(e)).doesNotContain("secret-token-value"));
        } finally {
            app.close();
        }
    }

    private static String stackText(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
