package dev.tnorders.opentact.files;

import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds {@code /observe/files} to the management HTTP server once it is there (tried a while: it may
 * start after {@link FileEnds}); {@link FilesHttp}, which needs that server's classes, is loaded only
 * when they are present.
 */
final class FilesEndpoint {

    /** Logs as {@link FileEnds} did before this part was its own class (named by string: no circle). */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.files.FileEnds");

    private final CamelContext camelContext;
    private final int managementPort;
    private final Supplier<String> statusesJson;
    /** Tries left to find the management HTTP server. */
    private int httpTries = 100;

    FilesEndpoint(CamelContext camelContext, int managementPort, Supplier<String> statusesJson) {
        this.camelContext = camelContext;
        this.managementPort = managementPort;
        this.statusesJson = statusesJson;
    }

    /** One try (called by the view's thread after each of its polls). */
    void serveHttp() {
        if (httpTries <= 0 || managementPort < 0 || camelContext == null) {
            return;
        }
        httpTries--;
        try {
            Class.forName("org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter");
            if (FilesHttp.serve(camelContext, managementPort, statusesJson)) {
                httpTries = 0;
                LOG.info("The files' progress is served at {} on port {}", FilesHttp.PATH, managementPort);
            } else if (httpTries == 0) {
                LOG.info("No management HTTP server on port {}: the files' progress is not served over HTTP",
                        managementPort);
            }
        } catch (ClassNotFoundException | LinkageError e) {
            httpTries = 0;
            LOG.info("No management HTTP server here: the files' progress is not served over HTTP");
        }
    }
}
