package dev.tnorders.opentact.client;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

/** Reads Opentact's envelope and classifies the answer: usable, refused token, or try later. */
public class OpentactResponses {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            // Keep "1.00" as 1.00: money keeps the scale Opentact gave it.
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /**
     * @throws OpentactAuthException        on 401/403
     * @throws OpentactUnavailableException on 429, and on 5xx that does not name fields (a
     *                                      validation error is documented as 500 with fields),
     *                                      also when a 2xx carries a failure envelope saying 5xx
     */
    public ApiResponse read(@Body String body, @Header(Exchange.HTTP_RESPONSE_CODE) Integer httpStatus,
                            @Header("Retry-After") String retryAfter) {
        int status = httpStatus == null ? 0 : httpStatus;
        JsonNode root = parse(body);
        String message = root != null && root.hasNonNull("message") ? root.get("message").asText() : null;
        Map<String, String> fields = fields(root);
        if (status == 401 || status == 403) {
            throw new OpentactAuthException(status, message == null ? "unauthorized" : message);
        }
        if (status == 429) {
            throw new OpentactRateLimitedException(message == null ? "no message" : message, retryAfterMillis(retryAfter));
        }
        if (status >= 500 && fields.isEmpty()) {
            throw new OpentactUnavailableException(status, message == null ? "no message" : message,
                    retryAfterMillis(retryAfter));
        }
        if (root == null) {
            if (status >= 200 && status < 300) {
                throw new OpentactUnavailableException(status, "the answer is not JSON", 0);
            }
            return new ApiResponse(status, false, null, "HTTP " + status + " without a JSON body", fields);
        }
        boolean success = status >= 200 && status < 300 && root.path("success").asBoolean(true);
        // A failure envelope inside a 2xx names its own status: a 5xx there is "try later" too.
        int said = root.path("status").asInt(0);
        if (!success && status < 300 && said >= 500 && fields.isEmpty()) {
            throw new OpentactUnavailableException(said, message == null ? "no message" : message, 0);
        }
        return new ApiResponse(status, success, root.get("payload"), message, fields);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static Map<String, String> fields(JsonNode root) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode fields = root == null ? null : root.get("fields");
        if (fields != null && fields.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                out.put(e.getKey(), v.isObject() ? v.path("message").asText("invalid") : v.asText());
            }
        }
        return out;
    }

    /** The longest Retry-After honoured: a longer one is taken as this. */
    public static final long MAX_RETRY_AFTER_MS = 60_000;

    /** Retry-After in seconds (the only form we expect from an API); absent or odd means no hint. */
    static long retryAfterMillis(String retryAfter) {
        if (retryAfter == null) {
            return 0;
        }
        try {
            return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Long.parseLong(retryAfter.trim()) * 1000));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
