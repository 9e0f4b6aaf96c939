package dev.tnorders.opentact.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One record per number on {@code opentact.order.numbers}, keyed by the number. */
@JsonPropertyOrder({"request_id", "tn", "state", "reason", "order_uuid", "nrc", "mrc", "source"})
public record NumberResult(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("tn") String tn,
        @JsonProperty("state") State state,
        @JsonProperty("reason") String reason,
        @JsonProperty("order_uuid") String orderUuid,
        @JsonProperty("nrc") String nrc,
        @JsonProperty("mrc") String mrc,
        @JsonProperty("source") RequestSource source) {

    public enum State { ordered, failed, rejected, unknown }
}
