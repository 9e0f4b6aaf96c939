package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

/**
 * Reads a JSON order request from {@code opentact.order.requests} (see {@code schema/order-request.schema.json})
 * and checks its JSON types; the order rules themselves are the shared {@link RequestValidator}'s.
 */
public class JsonRequestReader {

    private static final Set<String> KNOWN_FIELDS = Set.of("request_id", "tns", "search", "features", "autorenew",
            "profile", "sip_connection", "sip_control_app", "max_nrc", "max_mrc", "source", "received_at");
    private static final Set<String> SEARCH_FIELDS = Set.of("area_code", "exchange", "quantity", "fill");

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private final RequestValidator validator;

    public JsonRequestReader(RequestValidator validator) {
        this.validator = validator;
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(100_000).maxNestingDepth(20).build());
    }

    /**
     * @param key       the Kafka record key, used as request id when the body has none
     * @param fallbackId topic-partition-offset, used when there is neither
     */
    public OrderRequest read(String payload, String key, String fallbackId, RequestSource source, String receivedAt) {
        JsonNode root;
        try {
            root = payload == null ? null : mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException(null, "the message must be a JSON object");
        }
        unknownFields(root, KNOWN_FIELDS, "");
        JsonNode search = root.get("search");
        if (search != null && !search.isNull()) {
            if (!search.isObject()) {
                throw new InvalidRequestException("search", "must be an object with area_code, exchange, quantity, fill");
            }
            unknownFields(search, SEARCH_FIELDS, "search.");
        } else {
            search = null;
        }
        RawRequest raw = new RawRequest(
                text(root, "request_id"),
                root.hasNonNull("tns") ? list(root, "tns") : null,
                search == null ? null : text(search, "area_code", "search.area_code"),
                search == null ? null : text(search, "exchange", "search.exchange"),
                search == null ? null : integer(search, "quantity", "search.quantity"),
                search == null ? null : text(search, "fill", "search.fill"),
                root.hasNonNull("features") ? list(root, "features") : null,
                bool(root, "autorenew"),
                text(root, "profile"),
                text(root, "sip_connection"),
                text(root, "sip_control_app"),
                decimal(root, "max_nrc"),
                decimal(root, "max_mrc"));
        String defaultId = key != null && !key.isBlank() ? key : fallbackId;
        if (search != null && root.hasNonNull("tns")) {
            throw new InvalidRequestException("tns", "give either tns or search, not both");
        }
        if (search != null) {
            // The validator takes criteria from the area_code/... fields; make sure 'search' alone
            // is enough to mark the request as a criteria order.
            raw = new RawRequest(raw.requestId(), null, raw.areaCode() == null ? "" : raw.areaCode(), raw.exchange(),
                    raw.quantity(), raw.fill(), raw.features(), raw.autorenew(), raw.profile(), raw.sipConnection(),
                    raw.sipControlApp(), raw.maxNrc(), raw.maxMrc());
        }
        // A request forwarded by the CSV intake says which file and line it came from.
        JsonNode from = root.get("source");
        if (from != null && from.isObject() && from.hasNonNull("file") && from.path("line").canConvertToLong()) {
            source = RequestSource.ofFile(from.get("file").asText(), from.get("line").asLong());
            receivedAt = root.hasNonNull("received_at") ? root.get("received_at").asText() : receivedAt;
        }
        return validator.validate(raw, defaultId, source, receivedAt);
    }

    private static void unknownFields(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (!known.contains(name)) {
                throw new InvalidRequestException(prefix + RequestValidator.quote(name).replace("'", ""),
                        "is not a known field");
            }
        }
    }

    private static String text(JsonNode node, String name) {
        return text(node, name, name);
    }

    private static String text(JsonNode node, String name, String path) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        throw new InvalidRequestException(path, "must be a string, not " + v.getNodeType().name().toLowerCase());
    }

    private static String integer(JsonNode node, String name, String path) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() || v.isTextual()) {
            return v.asText();
        }
        throw new InvalidRequestException(path, "must be a whole number, not " + v.getNodeType().name().toLowerCase());
    }

    private static String bool(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return Boolean.toString(v.booleanValue());
        }
        throw new InvalidRequestException(name, "must be true or false, not " + v);
    }

    /** Money must come as a decimal string ("1.50"); a JSON number is read exactly, never as a double. */
    private static String decimal(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual() || v.isNumber()) {
            return v.isNumber() ? v.decimalValue().toPlainString() : v.textValue();
        }
        throw new InvalidRequestException(name, "must be a decimal string such as \"1.50\"");
    }

    private static List<String> list(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (!v.isArray()) {
            throw new InvalidRequestException(name, "must be an array");
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (item.isTextual()) {
                out.add(item.textValue());
            } else if (item.isIntegralNumber()) {
                out.add(item.asText());
            } else {
                throw new InvalidRequestException(name + "[" + i + "]", "must be a string or a whole number, not "
                        + item.getNodeType().name().toLowerCase());
            }
        }
        return out;
    }
}
