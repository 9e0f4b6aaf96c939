package dev.tnorders.opentact.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A validated order request, the same whichever intake it came through. Numbers are E.164
 * strings ({@code +12029822917}); money is decimal.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OrderRequest(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("tns") List<String> tns,
        @JsonProperty("search") CriteriaSearch search,
        @JsonProperty("features") Set<Feature> features,
        @JsonProperty("autorenew") boolean autorenew,
        @JsonProperty("profile") String profile,
        @JsonProperty("sip_connection") String sipConnection,
        @JsonProperty("sip_control_app") String sipControlApp,
        @JsonProperty("max_nrc") BigDecimal maxNrc,
        @JsonProperty("max_mrc") BigDecimal maxMrc,
        @JsonProperty("source") RequestSource source,
        @JsonProperty("received_at") String receivedAt,
        @JsonIgnore String traceparent) {

    /** A request without a trace context (tracing off, or not yet taken in). */
    public OrderRequest(String requestId, List<String> tns, CriteriaSearch search, Set<Feature> features,
                        boolean autorenew, String profile, String sipConnection, String sipControlApp,
                        BigDecimal maxNrc, BigDecimal maxMrc, RequestSource source, String receivedAt) {
        this(requestId, tns, search, features, autorenew, profile, sipConnection, sipControlApp, maxNrc, maxMrc,
                source, receivedAt, null);
    }

    @JsonIgnore
    public boolean isCriteria() {
        return search != null;
    }

    /** How many numbers this request asks for. */
    @JsonIgnore
    public int numbersRequested() {
        return isCriteria() ? search.quantity() : tns.size();
    }

    public OrderRequest withSource(RequestSource newSource, String newReceivedAt) {
        return new OrderRequest(requestId, tns, search, features, autorenew, profile, sipConnection,
                sipControlApp, maxNrc, maxMrc, newSource, newReceivedAt, traceparent);
    }

    public OrderRequest withTns(List<String> newTns) {
        return new OrderRequest(requestId, newTns, search, features, autorenew, profile, sipConnection,
                sipControlApp, maxNrc, maxMrc, source, receivedAt, traceparent);
    }

    /**
     * This request with the W3C {@code traceparent} of its span (docs/operations.md, "Tracing"):
     * its calls and its output records join that trace. Not part of the request's JSON: a trace
     * context belongs to the record taken in, not to what is kept of the request.
     */
    public OrderRequest withTraceparent(String newTraceparent) {
        return new OrderRequest(requestId, tns, search, features, autorenew, profile, sipConnection,
                sipControlApp, maxNrc, maxMrc, source, receivedAt, newTraceparent);
    }
}
