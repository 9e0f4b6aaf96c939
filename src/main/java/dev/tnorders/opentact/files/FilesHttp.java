package dev.tnorders.opentact.files;

import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * {@code GET /observe/files} on the management HTTP server (camel-platform-http-main): the files in
 * progress and those ended lately, as JSON. Loaded only where that server's classes are present.
 */
final class FilesHttp {

    static final String PATH = "/observe/files";

    private FilesHttp() {
    }

    /** Adds the route when the management server's router is there: false when it is not (yet). */
    static boolean serve(CamelContext context, int port, Supplier<String> statusesJson) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            return false;
        }
        router.get(PATH).handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(statusesJson.get()));
        return true;
    }
}
