package dev.tnorders.opentact.it;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.sandbox.OpentactSandbox;

/**
 * What a test of the application as a separate JVM needs: a work folder, the sandbox and the app
 * process (both started by the test), closed afterwards: the app first, then the sandbox.
 */
abstract class SandboxAndAppProcess {

    @TempDir
    Path work;
    AppProcess app;
    OpentactSandbox sandbox;

    @AfterEach
    void stopAppAndSandbox() throws Exception {
        if (app != null) {
            app.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }
}
