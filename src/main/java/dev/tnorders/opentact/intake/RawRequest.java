package dev.tnorders.opentact.intake;

import java.util.List;

/**
 * An order request as the input spelled it, before validation: a CSV row or a JSON message
 * reduced to text values. Null means absent. Both intakes produce this, so that one validator
 * applies the same rules to both.
 */
public record RawRequest(
        String requestId,
        List<String> tns,
        String areaCode,
        String exchange,
        String quantity,
        String fill,
        List<String> features,
        String autorenew,
        String profile,
        String sipConnection,
        String sipControlApp,
        String maxNrc,
        String maxMrc) {
}
