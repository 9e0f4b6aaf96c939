package dev.tnorders.opentact.it;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.sandbox.OpentactSandbox;

/**
 * What an in-process end-to-end test needs: a fresh sandbox per test, the app (started by the
 * test, with its own topics on the shared broker), and a work folder; all closed afterwards.
 */
abstract class SandboxAndApp {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(2);
    static final String TOKEN = "it-token";

    @TempDir
    Path work;
    OpentactSandbox sandbox;
    RunningApp app;

    @BeforeEach
    void startSandbox() {
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
    }

    @AfterEach
    void stopAll() {
        if (app != null) {
            app.close();
        }
        sandbox.close();
    }

    /** The app, not started yet, pointed at this test's sandbox with the right token. */
    RunningApp app() {
        return new RunningApp(work, sandbox.baseUrl(), TOKEN);
    }
}
