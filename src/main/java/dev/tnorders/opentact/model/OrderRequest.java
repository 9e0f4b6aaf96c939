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
        @JsonProperty("received_at") String receivedAt) {

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
                sipControlApp, maxNrc, maxMrc, newSource, newReceivedAt);
    }

    public OrderRequest withTns(List<String> newTns) {
        return new OrderRequest(requestId, newTns, search, features, autorenew, profile, sipConnection,
                sipControlApp, maxNrc, maxMrc, source, receivedAt);
    }
}
