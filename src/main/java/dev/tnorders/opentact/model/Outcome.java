package dev.tnorders.opentact.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The one final record per request on {@code opentact.order.outcomes}. */
@JsonPropertyOrder({"request_id", "state", "order_uuid", "numbers_requested", "numbers_ordered", "numbers_failed",
        "price", "reason", "source", "received_at", "completed_at"})
public record Outcome(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("state") State state,
        @JsonProperty("order_uuid") String orderUuid,
        @JsonProperty("numbers_requested") int numbersRequested,
        @JsonProperty("numbers_ordered") int numbersOrdered,
        @JsonProperty("numbers_failed") int numbersFailed,
        @JsonProperty("price") Price price,
        @JsonProperty("reason") String reason,
        @JsonProperty("source") RequestSource source,
        @JsonProperty("received_at") String receivedAt,
        @JsonProperty("completed_at") String completedAt) {

    public enum State { completed, partial, failed, rejected, unknown }

    /** The one log line per request outcome. */
    @JsonIgnore
    public String getLogLine() {
        return "Outcome of request " + requestId + ": " + state + " (order " + orderUuid + ", " + numbersOrdered + "/"
                + numbersRequested + " ordered)" + (reason == null ? "" : " - " + reason);
    }
}
