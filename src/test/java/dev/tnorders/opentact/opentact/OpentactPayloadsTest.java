package dev.tnorders.opentact.opentact;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpentactPayloadsTest {

    private final OpentactPayloads payloads = new OpentactPayloads("items");
    private final OpentactResponses responses = new OpentactResponses();

    private static OrderRequest request(String profile) {
        return new OrderRequest("r1", List.of("+12029822917", "+12025550143"), null,
                EnumSet.of(Feature.VOICE, Feature.SMS), true, profile, null, null, null, null, null, "now");
    }

    @Test
    void priceBodyHasNumbersAsJsonNumbersAndBooleanFeatures() {
        assertThat(payloads.priceBody(request(null))).isEqualTo("{\"tns\":[12029822917,12025550143],\"voice\":true,"
                + "\"sms\":true,\"mms\":false,\"fax\":false,\"emergency\":false,\"autorenew\":true}");
    }

    @Test
    void everyBodyCarriesNumbersInTheConfiguredFormat() {
        OpentactPayloads integer = new OpentactPayloads("items", "integer");
        OpentactPayloads e164 = new OpentactPayloads("items", " E164 ");
        assertThat(integer.priceBody(request(null))).startsWith("{\"tns\":[12029822917,12025550143],");
        assertThat(e164.priceBody(request(null))).startsWith("{\"tns\":[\"+12029822917\",\"+12025550143\"],");
        // POST /rest/order: items' tn
        assertThat(integer.orderBody(request(null))).startsWith("{\"items\":[{\"tn\":12029822917,");
        assertThat(e164.orderBody(request(null))).startsWith("{\"items\":[{\"tn\":\"+12029822917\",")
                .contains("{\"tn\":\"+12025550143\",");
        // POST /rest/order/tn: tns
        assertThat(integer.orderPath(request("US"))).isEqualTo("/rest/order/tn");
        assertThat(integer.orderBody(request("US"))).startsWith("{\"tns\":[12029822917,12025550143],")
                .contains("\"profile\":\"US\"");
        assertThat(e164.orderBody(request("US"))).startsWith("{\"tns\":[\"+12029822917\",\"+12025550143\"],");
        assertThat(new OpentactPayloads("tn", "e164").orderBody(request(null))).startsWith("{\"tns\":[\"+12029822917\"");
        // The default, as the order examples show.
        assertThat(new OpentactPayloads("items").numberFormat()).isEqualTo(OpentactPayloads.NumberFormat.integer);
    }

    @Test
    void aNumberFormatNotKnownIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new OpentactPayloads("items", "string"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("opentact.api.number-format").hasMessageContaining("'string'");
        assertThatThrownBy(() -> new OpentactPayloads("items", "")).hasMessageContaining("opentact.api.number-format");
    }

    @Test
    void itemsFormUnlessTheRequestNeedsCreateTnOrder() {
        assertThat(payloads.orderPath(request(null))).isEqualTo("/rest/order");
        assertThat(payloads.orderBody(request(null))).startsWith("{\"items\":[{\"tn\":12029822917,\"features\":[\"voice\",\"sms\"]");
        assertThat(payloads.orderPath(request("US"))).isEqualTo("/rest/order/tn");
        assertThat(new OpentactPayloads("tn").orderPath(request(null))).isEqualTo("/rest/order/tn");
    }

    @Test
    void quoteReadsDecimalsExactlyAndCountsTheRequestedFeatures() {
        ApiResponse r = responses.read("{\"success\":true,\"payload\":{\"nrc\":2.10,\"mrc\":1.0000000000000001,"
                + "\"items\":[{\"nrc\":\"1.05\",\"mrc\":\"0.50\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\","
                + "\"sms_nrc\":\"0\",\"sms_mrc\":\"0.10\"},"
                + "{\"nrc\":\"1.50\",\"mrc\":\"0.25\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\","
                + "\"sms_nrc\":\"0\",\"sms_mrc\":\"0\"}]}}", 200, null);
        PriceQuote q = payloads.quote(r, request(null)); // voice and sms, two numbers
        assertThat(q.isReadable()).isTrue();
        assertThat(q.maxNumberNrc()).isEqualByComparingTo("1.50");
        assertThat(q.maxNumberMrc()).isEqualByComparingTo("0.60"); // 0.50 + sms 0.10
        assertThat(q.totalNrc()).isEqualByComparingTo("3.00"); // 1.50 x 2, more than the answer's 2.10
        assertThat(q.totalMrc()).isEqualByComparingTo("1.20");
        assertThat(q.priceGroups()).isEqualTo(2);

        ApiResponse exact = responses.read("{\"success\":true,\"payload\":{\"nrc\":2.10,\"mrc\":1.0000000000000001,"
                + "\"items\":[{\"nrc\":\"1.05\",\"mrc\":\"0.50\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\","
                + "\"sms_nrc\":\"0\",\"sms_mrc\":\"0\"}]}}", 200, null);
        assertThat(payloads.quote(exact, request(null)).totalMrc().toPlainString()).isEqualTo("1.0000000000000001");
    }

    @Test
    void aPriceWithoutARequestedFeaturesPriceRefusesTheOrder() {
        ApiResponse r = responses.read("{\"success\":true,\"payload\":{\"nrc\":2,\"mrc\":1,"
                + "\"items\":[{\"nrc\":\"1.00\",\"mrc\":\"0.50\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\"}]}}",
                200, null);
        PriceQuote q = payloads.quote(r, request(null));
        assertThat(q.isReadable()).isFalse();
        assertThat(q.refusal()).startsWith("Opentact's price has no readable sms_nrc for item 1");
    }

    @Test
    void statusReadsTnItemsInEitherNumberStyle() {
        ApiResponse r = responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u1\",\"state\":\"success\","
                + "\"tn_items\":[{\"state\":\"success\",\"reason\":\"Complete\",\"tn\":{\"tn\":12029822917}},"
                + "{\"state\":\"failed\",\"reason\":\"Error buying a number\",\"request\":{\"tn\":\"+12025550143\"}}]}}",
                200, null);
        OrderStatus s = payloads.status(r);
        assertThat(s.isFinal()).isTrue();
        assertThat(s.numbers().get("+12029822917").success()).isTrue();
        assertThat(s.numbers().get("+12025550143").reason()).isEqualTo("Error buying a number");
    }

    @Test
    void unknownStatesAreNotFinal() {
        ApiResponse r = responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u1\",\"state\":\"weird\"}}", 200, null);
        assertThat(payloads.status(r).isFinal()).isFalse();
    }

    @Test
    void findsTheOrderHoldingTheNumbers() {
        ApiResponse r = responses.read("{\"success\":true,\"payload\":{\"data\":["
                + "{\"uuid\":\"other\",\"request\":{\"items\":[{\"tn\":12029822917}]}},"
                + "{\"uuid\":\"mine\",\"request\":{\"tns\":[12029822917,12025550143]}}]}}", 200, null);
        assertThat(payloads.findOrderFor(r, List.of("+12029822917", "+12025550143"))).isEqualTo("mine");
        assertThat(payloads.findOrderFor(r, List.of("+12012000001"))).isNull();
        // A batched order holds several requests' numbers: each request finds it by its own.
        assertThat(payloads.findOrderFor(r, List.of("+12025550143"))).isEqualTo("mine");
        // Newest first: the first listed order that holds them all.
        assertThat(payloads.findOrderFor(r, List.of("+12029822917"))).isEqualTo("other");
    }

    @Test
    void envelopeClassification() {
        assertThatThrownBy(() -> responses.read("{\"success\":false,\"message\":\"Unauthorized\",\"status\":401}", 401, null))
                .isInstanceOf(OpentactAuthException.class);
        assertThatThrownBy(() -> responses.read("{\"success\":false,\"message\":\"busy\"}", 503, null))
                .isInstanceOf(OpentactUnavailableException.class);
        assertThatThrownBy(() -> responses.read("slow down", 429, "2"))
                .isInstanceOfSatisfying(OpentactRateLimitedException.class, e -> assertThat(e.retryAfterMillis()).isEqualTo(2000));
        ApiResponse invalid = responses.read("{\"success\":false,\"message\":\"Validation failed\",\"status\":500,"
                + "\"fields\":{\"tns.0\":{\"message\":\"must be a valid phone number\",\"value\":1}}}", 500, null);
        assertThat(invalid.success()).isFalse();
        assertThat(invalid.describeFailure()).isEqualTo("Validation failed (tns.0: must be a valid phone number)");
        ApiResponse balance = responses.read("{\"success\":false,\"message\":\"Not enough account balance\",\"status\":402}", 402, null);
        assertThat(balance.describeFailure()).isEqualTo("Not enough account balance");
    }
}
