package dev.tnorders.opentact.sandbox;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * How the sandbox reads and writes the API's values: its JSON mapper, numbers (in the chosen style),
 * times, pages, field errors and query parameters.
 */
final class SandboxWire {

    private static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    final ObjectMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();
    /** Numbers in answers as E.164 strings ({@code "+1..."}) rather than JSON numbers. */
    private volatile boolean e164;

    void setE164(boolean value) {
        e164 = value;
    }

    static Map<String, Object> page(String takeName, int take, String skipName, int skip,
                                    List<Map<String, Object>> all) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put(takeName, take);
        payload.put(skipName, skip);
        payload.put("total", all.size());
        int from = Math.min(all.size(), skip);
        payload.put("data", all.subList(from, Math.min(all.size(), from + take)));
        return payload;
    }

    Object numberOut(long tn) {
        return e164 ? "+" + tn : (Object) tn;
    }

    /** A number as the order endpoints take it: 11 digits starting with 1, as a JSON number or E.164 string. */
    static Long number(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        String digits;
        if (v.isIntegralNumber()) {
            digits = v.asText();
        } else if (v.isTextual() && v.asText().matches("\\+?1[0-9]{10}")) {
            digits = v.asText().replace("+", "");
        } else {
            return null;
        }
        return digits.matches("1[2-9][0-9]{9}") ? Long.parseLong(digits) : null;
    }

    static Map<String, Object> field(String message, JsonNode value) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("message", message);
        f.put("value", value);
        return f;
    }

    static int intParam(Map<String, String> query, String name, int dflt, int min, int max) {
        String v = query.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiError(500, "Validation failed", Map.of(name, Map.of("message",
                    "must be a whole number from " + min + " to " + max, "value", v)));
        }
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (Iterator<String> it = List.of(raw.split("&")).iterator(); it.hasNext(); ) {
            String pair = it.next();
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k.toLowerCase(Locale.ROOT), v);
        }
        return out;
    }

    static String time(Instant instant) {
        return UTC_MILLIS.format(instant);
    }
}
