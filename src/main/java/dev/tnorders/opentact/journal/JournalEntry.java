package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.tnorders.opentact.model.NumberResult;

/**
 * A request's entry in the order journal: its phase ({@code intent} before the order POST,
 * {@code placed} with the order uuid, {@code done} with the outcome) and what a restart needs.
 *
 * @param day  the UTC day the order's spend is booked on (from its intent)
 * @param file the dropped CSV file it came from (for the file budget), or null
 * @param nrc  one-time spend it accounts for: the quoted price from intent on, what was bought at done
 * @param settled a criteria request's numbers from earlier search rounds (bought or failed), kept
 *                so that a restart can still report them with the round in flight
 * @param intentAt when the intent was written (epoch millis, this host's clock): no order POST of
 *                 it went out before; reconciliation looks for orders from then on (null in
 *                 entries written before this field existed)
 * @param postTns  an intent's: every number of the one order POST it was written for, when that
 *                 POST holds other requests' numbers too (a batch; else null): reconciliation takes
 *                 an order holding numbers besides the request's own only when they are these
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JournalEntry(@JsonProperty("request_id") String requestId, @JsonProperty("phase") Phase phase,
                           @JsonProperty("tns") List<String> tns, @JsonProperty("order_uuid") String orderUuid,
                           @JsonProperty("day") String day, @JsonProperty("file") String file,
                           @JsonProperty("nrc") BigDecimal nrc,
                           @JsonProperty("settled") List<NumberResult> settled,
                           @JsonProperty("intent_at") Long intentAt,
                           @JsonProperty("post_tns") List<String> postTns) {

    public enum Phase { intent, placed, done }

    public JournalEntry(String requestId, Phase phase, List<String> tns, String orderUuid, String day, String file,
                 BigDecimal nrc, List<NumberResult> settled) {
        this(requestId, phase, tns, orderUuid, day, file, nrc, settled, null);
    }

    public JournalEntry(String requestId, Phase phase, List<String> tns, String orderUuid, String day, String file,
                 BigDecimal nrc, List<NumberResult> settled, Long intentAt) {
        this(requestId, phase, tns, orderUuid, day, file, nrc, settled, intentAt, null);
    }
}
