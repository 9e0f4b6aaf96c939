package dev.tnorders.opentact.it;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.sandbox.OpentactSandbox;

/**
 * What a test of the application as a separate JVM needs: a work folder, the sandbox and the app
 * process (both started by the test), closed afterwards: the app first, then the sandbox.
 */
public abstract class SandboxAndAppProcess {

    @TempDir
    protected Path work;
    protected AppProcess app;
    protected OpentactSandbox sandbox;

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
