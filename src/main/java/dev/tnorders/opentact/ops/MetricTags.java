package dev.tnorders.opentact.ops;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import dev.tnorders.opentact.model.RequestSource;

/**
 * The bounded tag values of {@link OrderMetrics}' meters, read from what happened: an endpoint as a
 * template, the kind of a failed call, where a request came from. Never a request id, a number, an
 * order uuid or free text.
 */
final class MetricTags {

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern NUMERIC_SEGMENT = Pattern.compile("/\\d+(?=/|$)");

    private MetricTags() {
    }

    /** The path as a template: {@code /rest/order/0f8e...} becomes {@code /rest/order/{uuid}}. */
    static String endpointTemplate(String path) {
        if (path == null || path.isBlank()) {
            return "/";
        }
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        p = UUID.matcher(p).replaceAll("{uuid}");
        return NUMERIC_SEGMENT.matcher(p).replaceAll("/{id}");
    }

    /**
     * What a call without an answer met, by its exception or a cause: {@code timeout},
     * {@code connect_error} or {@code io_error} ({@code none} without an exception).
     */
    static String errorKind(Throwable error) {
        if (error == null) {
            return "none";
        }
        Throwable t = error;
        for (int i = 0; i < 10 && t != null; i++) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return "timeout";
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return "connect_error";
            }
            t = t.getCause();
        }
        return "io_error";
    }

    /** Where a request came from: {@code file}, {@code topic} or {@code unknown}. */
    static String sourceOf(RequestSource source) {
        if (source == null) {
            return "unknown";
        }
        return source.fromFile() ? "file" : "topic";
    }
}
