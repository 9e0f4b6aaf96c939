package dev.tnorders.opentact.client;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpentactPayloadsTest {

    private final OpentactPayloads payloads = new OpentactPayloads("items");
    private final OpentactResponses responses = new OpentactResponses();

    private static OrderRequest request(String profile) {
        return RequestBuilder.request("r1").tns("+12029822917", "+12025550143").features(Feature.VOICE, Feature.SMS)
                .profile(profile).receivedAt("now").build();
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
        assertThat(integer.tnForm(request("US"))).isTrue();
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
        assertThat(payloads.tnForm(request(null))).isFalse();
        assertThat(payloads.orderBody(request(null))).startsWith("{\"items\":[{\"tn\":12029822917,\"features\":[\"voice\",\"sms\"]");
        assertThat(payloads.tnForm(request("US"))).isTrue();
        assertThat(new OpentactPayloads("tn").tnForm(request(null))).isTrue();
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

    private ApiResponse seed(String name) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/opentact/" + name)) {
            return responses.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), 200, null);
        }
    }

    @Test
    void seed000sLookupListsANumberTwiceAndTheSuccessfulItemWins() throws Exception {
        OrderStatus s = payloads.status(seed("seed000-order-lookup.json"));
        assertThat(s.isFinal()).isTrue();
        assertThat(s.numbers()).containsOnlyKeys("+12017771234");
        assertThat(s.numbers().get("+12017771234").success()).isTrue();
        assertThat(s.listed()).containsExactly("+12017771234");
        assertThat(s.createdOn()).isEqualTo(Instant.parse("2024-01-16T14:15:49.038Z"));
    }

    @Test
    void aSuccessfulEntryWinsInEitherOrderAndAnInProgressOneOverAFailure() {
        for (String items : List.of("[{\"state\":\"failed\",\"tn\":{\"tn\":12017771234}},{\"state\":\"success\",\"tn\":{\"tn\":12017771234}}]",
                "[{\"state\":\"success\",\"tn\":{\"tn\":12017771234}},{\"state\":\"failed\",\"tn\":{\"tn\":12017771234}}]")) {
            OrderStatus s = payloads.status(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u\",\"state\":\"success\","
                    + "\"tn_items\":" + items + "}}", 200, null));
            assertThat(s.numbers().get("+12017771234").success()).isTrue();
        }
        OrderStatus pending = payloads.status(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u\",\"state\":\"success\","
                + "\"tn_items\":[{\"state\":\"failed\",\"tn\":{\"tn\":12017771234}},{\"state\":\"porting\",\"tn\":{\"tn\":12017771234}}]}}",
                200, null));
        assertThat(pending.numbers().get("+12017771234").inProgress()).isTrue();
        assertThat(pending.isFinal()).as("an item still in progress keeps the order open").isFalse();
    }

    @Test
    void seed001sLookupFormIsReadThroughItsLeases() throws Exception {
        // Seed 001 shows tns and tnleases as [{}]: filled here with a number in either documented shape.
        String sample = new String(getClass().getResourceAsStream("/opentact/seed001-order-lookup.json").readAllBytes(),
                StandardCharsets.UTF_8)
                .replace("\"state\": \"created\",\n    \"tns\": [\n      {}\n    ]",
                        "\"state\": \"success\",\n    \"tns\": [{\"tn\": 12017771234}, {\"tn\": 12017771235}]")
                .replace("\"tnleases\": [\n      {}\n    ]\n  }\n}", "\"tnleases\": [{\"tn\": {\"tn\": 12017771234}}]\n  }\n}");
        OrderStatus s = payloads.status(responses.read(sample, 200, null));
        assertThat(s.state()).isEqualTo("success");
        assertThat(s.listed()).containsExactlyInAnyOrder("+12017771234", "+12017771235");
        assertThat(s.numbers()).containsOnlyKeys("+12017771234");
        assertThat(s.numbers().get("+12017771234").success()).isTrue();
    }

    @Test
    void seed000sOrderSearchIsASummaryPagedByItsOwnTake() throws Exception {
        OpentactPayloads.OrderPage page = payloads.orderPage(seed("seed000-order-search.json"));
        assertThat(page.take()).isEqualTo(1);
        assertThat(page.total()).isEqualTo(1000);
        assertThat(page.orders()).hasSize(1);
        assertThat(page.orders().get(0).uuid()).isEqualTo("c5cc6326-0023-43d8-81a5-e7b7e019919d");
        assertThat(page.orders().get(0).listed()).as("the summary shows no numbers").isEmpty();
    }

    @Test
    void anOrderAnswerIsOursOnlyWithAUuidAndOurNumbers() throws Exception {
        // Seed 001's CreateTNOrder answer echoes tns [0]: not our numbers, so not taken as our order.
        assertThatThrownBy(() -> payloads.placedOrder(seed("seed001-create-tn-order.json"), request(null), null))
                .isInstanceOf(OpentactUnavailableException.class).hasMessageContaining("not for our numbers");
        assertThat(payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u8\",\"state\":\"created\","
                + "\"request\":{\"tns\":[12025550143,\"+12029822917\"]}}}", 201, null), request(null), null)).isEqualTo("u8");
        assertThatThrownBy(() -> payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"state\":\"created\"}}",
                201, null), request(null), null)).isInstanceOf(OpentactUnavailableException.class).hasMessageContaining("without an order uuid");
        assertThat(payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u9\",\"state\":\"success\","
                + "\"total\":2}}", 201, null), request(null), null)).isEqualTo("u9");
    }

    private static final Instant SEED_000_ORDER_CREATED = Instant.parse("2024-01-16T14:15:49.037Z");

    @Test
    void seed000sOrderAnswerIsOursWhenCreatedAfterTheIntentWhateverItsCounters() throws Exception {
        // Seed 000 answers a one-number request with total 10: counters prove nothing either way.
        OrderRequest one = RequestBuilder.request("r1").tns("+12029822917").features(Feature.VOICE, Feature.SMS)
                .receivedAt("now").build();
        assertThat(payloads.placedOrder(seed("seed000-order-placed.json"), one, SEED_000_ORDER_CREATED.minusSeconds(30)))
                .isEqualTo("c5cc6326-0023-43d8-81a5-e7b7e019919d");
        assertThat(payloads.placedOrder(seed("seed000-order-placed.json"), one, SEED_000_ORDER_CREATED))
                .as("created at the earliest moment it could be").isEqualTo("c5cc6326-0023-43d8-81a5-e7b7e019919d");
        assertThat(payloads.placedOrder(seed("seed000-order-placed.json"), one, null))
                .as("no intent time known: nothing says otherwise").isEqualTo("c5cc6326-0023-43d8-81a5-e7b7e019919d");
    }

    @Test
    void anOrderCreatedBeforeTheIntentLessTheMarginIsNotOurNewOrder() throws Exception {
        OrderRequest one = RequestBuilder.request("r1").tns("+12029822917").features(Feature.VOICE, Feature.SMS)
                .receivedAt("now").build();
        assertThatThrownBy(() -> payloads.placedOrder(seed("seed000-order-placed.json"), one,
                SEED_000_ORDER_CREATED.plusMillis(1)))
                .isInstanceOf(OpentactUnavailableException.class)
                .hasMessageContaining("c5cc6326-0023-43d8-81a5-e7b7e019919d").hasMessageContaining("before our order could be");
    }

    @Test
    void anOrderAnswerNamingOtherNumbersIsNotOurNewOrder() {
        // An echoed items request for other numbers (the items form, as the body we send).
        assertThatThrownBy(() -> payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u1\","
                + "\"state\":\"created\",\"request\":{\"items\":[{\"tn\":12029822917},{\"tn\":12025550999}]}}}", 201, null),
                request(null), null))
                .isInstanceOf(OpentactUnavailableException.class).hasMessageContaining("not for our numbers");
        // tn_items (or leases, or tns) naming a number that is not ours.
        assertThatThrownBy(() -> payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u2\","
                + "\"state\":\"processing\",\"tn_items\":[{\"state\":\"processing\",\"tn\":{\"tn\":12017771234}}]}}", 201, null),
                request(null), null))
                .isInstanceOf(OpentactUnavailableException.class).hasMessageContaining("names numbers that are not ours");
        // Our items echoed, an item listed for one of ours: ours.
        assertThat(payloads.placedOrder(responses.read("{\"success\":true,\"payload\":{\"uuid\":\"u3\",\"state\":\"created\","
                + "\"request\":{\"items\":[{\"tn\":12029822917},{\"tn\":\"+12025550143\"}]},"
                + "\"tn_items\":[{\"state\":\"processing\",\"tn\":{\"tn\":12029822917}}]}}", 201, null), request(null), null))
                .isEqualTo("u3");
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
        assertThatThrownBy(() -> responses.read("{\"success\":false,\"message\":\"busy\",\"status\":503}", 200, null))
                .as("a 200 whose envelope says 503").isInstanceOf(OpentactUnavailableException.class);
        assertThat(responses.read("{\"success\":false,\"message\":\"Not found\",\"status\":404}", 200, null).success())
                .isFalse();
        ApiResponse balance = responses.read("{\"success\":false,\"message\":\"Not enough account balance\",\"status\":402}", 402, null);
        assertThat(balance.describeFailure()).isEqualTo("Not enough account balance");
    }
}
