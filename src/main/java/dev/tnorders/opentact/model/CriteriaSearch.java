package dev.tnorders.opentact.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Order by criteria instead of by number (modelled on DialogTech's numbers.order). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CriteriaSearch(
        @JsonProperty("area_code") String areaCode,
        @JsonProperty("exchange") String exchange,
        @JsonProperty("quantity") int quantity,
        @JsonProperty("fill") Fill fill) {

    public enum Fill {
        /** Buy nothing unless all requested numbers are available. */
        all,
        /** Buy what is available, up to the quantity. */
        partial
    }

    /** The ten-character Opentact TN search pattern for these criteria. */
    public String pattern() {
        String prefix = areaCode + (exchange == null ? "" : exchange);
        return prefix + "*".repeat(10 - prefix.length());
    }
}
