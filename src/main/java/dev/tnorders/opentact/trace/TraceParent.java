package dev.tnorders.opentact.trace;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The W3C trace context header ({@code traceparent}, https://www.w3.org/TR/trace-context/) as
 * Kafka carries it: bytes, read as text. A value that is not a well-formed traceparent is
 * treated as absent (the request then starts a trace of its own), never as an error of the
 * request. Plain Java: no OpenTelemetry class is needed to read or write it.
 */
public final class TraceParent {

    public static final String HEADER = "traceparent";

    private static final int LENGTH = 55; // 00-<32 hex>-<16 hex>-<2 hex>

    private TraceParent() {
    }

    /** The last {@code traceparent} of the headers, as text; null when there is none or it is not well formed. */
    public static String of(Headers headers) {
        if (headers == null) {
            return null;
        }
        Header h = headers.lastHeader(HEADER);
        return h == null ? null : read(h.value());
    }

    /** A header value (UTF-8 bytes) as a traceparent; null when absent or not well formed. */
    public static String read(byte[] value) {
        if (value == null) {
            return null;
        }
        String text = new String(value, StandardCharsets.UTF_8).trim();
        return valid(text) ? text : null;
    }

    /**
     * Whether {@code text} is a traceparent: version 00 exactly as the spec has it; a later
     * version (not ff) with the same first four fields, possibly followed by more after a '-'.
     * Trace id and parent id are lower-case hex and not all zero.
     */
    public static boolean valid(String text) {
        if (text == null || text.length() < LENGTH) {
            return false;
        }
        String version = text.substring(0, 2);
        if (!hex(version) || version.equals("ff")) {
            return false;
        }
        if (version.equals("00") ? text.length() != LENGTH : text.length() > LENGTH && text.charAt(LENGTH) != '-') {
            return false;
        }
        if (text.charAt(2) != '-' || text.charAt(35) != '-' || text.charAt(52) != '-') {
            return false;
        }
        String traceId = text.substring(3, 35);
        String parentId = text.substring(36, 52);
        return hex(traceId) && hex(parentId) && hex(text.substring(53, 55))
                && !zeros(traceId) && !zeros(parentId);
    }

    /** The trace id (32 hex) of a valid traceparent. */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    /** The parent (span) id (16 hex) of a valid traceparent. */
    public static String spanId(String traceparent) {
        return traceparent.substring(36, 52);
    }

    /** Sets {@code traceparent} as the only trace context header. */
    public static void put(Headers headers, String traceparent) {
        headers.remove(HEADER);
        headers.add(HEADER, traceparent.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
