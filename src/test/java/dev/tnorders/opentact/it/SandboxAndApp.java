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
public abstract class SandboxAndApp {

    protected static final Duration WAIT = Duration.ofSeconds(60);
    protected static final Duration SETTLE = Duration.ofSeconds(2);
    public static final String TOKEN = "it-token";

    @TempDir
    protected Path work;
    protected OpentactSandbox sandbox;
    protected RunningApp app;

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
    protected RunningApp app() {
        return new RunningApp(work, sandbox.baseUrl(), TOKEN);
    }
}
