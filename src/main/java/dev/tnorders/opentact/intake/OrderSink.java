package dev.tnorders.opentact.intake;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.tnorders.opentact.config.OpentactSettings;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * The decision behind the {@code opentact-order-sink} Kamelet: turns what a host route
 * sends (a JSON text or a map of the request's fields) into the record for the requests topic,
 * checked by the same reader and validator as the Kafka intake, so that a bad request fails in
 * the host's route (naming the field) instead of reaching the DLQ later.
 */
public class OrderSink {

    /** The record to send: its key (the request id) and its JSON value. */
    public record SinkRecord(String requestId, String json) {
    }

    private final JsonRequestReader reader;
    private final String requestsTopic;
    private final ObjectMapper mapper = JsonMapper.builder().build();

    /** With the declared requests topic ({@code opentact.topics.requests}'s default). */
    public OrderSink(RequestValidator validator) {
        this(validator, OpentactSettings.defaultOf("opentact.topics.requests"));
    }

    /** @param requestsTopic where the Kamelet sends the record ({@code opentact.topics.requests}) */
    public OrderSink(RequestValidator validator, String requestsTopic) {
        this.reader = new JsonRequestReader(validator);
        this.requestsTopic = requestsTopic;
    }

    /**
     * The requests topic, as the bundle was configured: the Kamelet sends to
     * {@code kafka:${bean:orderSink.requestsTopic}} rather than naming a setting of the
     * bundle in a placeholder, which a Kamelet validator would take for an undeclared parameter.
     */
    public String requestsTopic() {
        return requestsTopic;
    }

    /**
     * @param body            a JSON object as text or bytes (UTF-8), or a {@code Map} of its fields
     * @param requestIdPrefix used for a generated request id when the request carries none
     * @param validate        false: only read the request id and send the request unchecked
     */
    public SinkRecord prepare(Object body, String requestIdPrefix, boolean validate) {
        String json = toJson(body);
        String generatedId = requestIdPrefix + "-" + UUID.randomUUID();
        if (validate) {
            OrderRequest request = reader.read(json, null, generatedId, null, null);
            return new SinkRecord(request.requestId(), json);
        }
        try {
            var id = mapper.readTree(json).path("request_id");
            return new SinkRecord(id.isTextual() && !id.asText().isBlank() ? id.asText() : generatedId, json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private String toJson(Object body) {
        if (body instanceof String text) {
            return text;
        }
        if (body instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (body instanceof Map<?, ?> map) {
            try {
                return mapper.writeValueAsString(map);
            } catch (JsonProcessingException e) {
                throw new InvalidRequestException(null, "the request cannot be written as JSON: " + e.getOriginalMessage());
            }
        }
        throw new InvalidRequestException(null, "the body must be a JSON text or a Map of the request's fields, not "
                + (body == null ? "nothing" : body.getClass().getName()));
    }
}
