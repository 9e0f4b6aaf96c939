package dev.tnorders.opentact.sandbox;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sandbox over real HTTP: documented shapes, state, auth forms, faults. */
class OpentactSandboxTest {

    private static final String TOKEN = "t0ken";
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private OpentactSandbox sandbox;

    @BeforeEach
    void start() {
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    private Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, "X-Auth-Token", TOKEN);
    }

    private Answer call(String method, String path, String body, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (header != null) {
            b.header(header, value);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        boolean isJson = r.headers().firstValue("Content-Type").orElse("").contains("json");
        return new Answer(r.statusCode(), isJson ? json.readTree(r.body()) : null, r);
    }

    @Test
    void priceAnswersTotalsAndDecimalStringItems() throws Exception {
        sandbox.setPrice(12012000002L, new BigDecimal("3.25"), new BigDecimal("1.10"));
        Answer a = call("POST", "/rest/order/price", "{\"tns\":[12012000001,\"+12012000002\"],\"voice\":true}");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().get("success").asBoolean()).isTrue();
        JsonNode p = a.body().get("payload");
        assertThat(p.get("nrc").decimalValue()).isEqualByComparingTo("4.25");
        assertThat(p.get("items")).hasSize(2);
        assertThat(p.get("items").get(0).get("nrc").isTextual()).isTrue();
        assertThat(p.get("items").get(1).get("nrc").asText()).isEqualTo("3.25");
        assertThat(p.get("items").get(0).has("sms_per_send_cost")).isTrue();
    }

    @Test
    void featurePricesAppearInItemsAndTotalsForTheFeaturesAskedFor() throws Exception {
        sandbox.setFeaturePrice("sms", new BigDecimal("0.10"), new BigDecimal("0.25"));
        Answer withSms = call("POST", "/rest/order/price", "{\"tns\":[12012000001,12012000003],\"voice\":true,\"sms\":true}");
        JsonNode p = withSms.body().get("payload");
        assertThat(p.get("nrc").decimalValue()).isEqualByComparingTo("2.20"); // (1.00 + 0.10) x 2
        assertThat(p.get("mrc").decimalValue()).isEqualByComparingTo("1.50"); // (0.50 + 0.25) x 2
        JsonNode item = p.get("items").get(0);
        assertThat(item.get("sms_nrc").asText()).isEqualTo("0.10");
        assertThat(item.get("sms_mrc").asText()).isEqualTo("0.25");
        assertThat(item.get("voice_mrc").asText()).isEqualTo("0.00");
        for (String f : new String[] {"voice", "sms", "mms", "fax", "emergency"}) {
            assertThat(item.get(f + "_nrc").isTextual()).as(f).isTrue();
            assertThat(item.get(f + "_mrc").isTextual()).as(f).isTrue();
        }
        Answer voiceOnly = call("POST", "/rest/order/price", "{\"tns\":[12012000001],\"voice\":true,\"sms\":false}");
        assertThat(voiceOnly.body().get("payload").get("mrc").decimalValue()).isEqualByComparingTo("0.50");
    }

    @Test
    void ordersOfBothFormsBecomeFinalWithPerNumberItems() throws Exception {
        sandbox.removeInventory(12012000009L);
        Answer created = call("POST", "/rest/order",
                "{\"items\":[{\"tn\":12012000001,\"features\":[\"voice\"],\"autorenew\":true},{\"tn\":12012000009}]}");
        assertThat(created.status()).isEqualTo(201);
        String uuid = created.body().get("payload").get("uuid").asText();
        assertThat(created.body().get("payload").get("state").asText()).isEqualTo("created");

        await().atMost(Duration.ofSeconds(10)).until(() ->
                call("GET", "/rest/order/" + uuid, null).body().get("payload").get("state").asText().equals("success"));
        JsonNode order = call("GET", "/rest/order/" + uuid, null).body().get("payload");
        assertThat(order.get("success").asInt()).isEqualTo(1);
        assertThat(order.get("failed").asInt()).isEqualTo(1);
        // As seed 000: the bought number is listed twice, success then failed, under one item uuid.
        assertThat(order.get("tn_items")).hasSize(3);
        assertThat(order.get("tn_items").get(0).get("tn").get("tn").asLong()).isEqualTo(12012000001L);
        assertThat(order.get("tn_items").get(0).get("state").asText()).isEqualTo("success");
        assertThat(order.get("tn_items").get(1).get("tn").get("tn").asLong()).isEqualTo(12012000001L);
        assertThat(order.get("tn_items").get(1).get("state").asText()).isEqualTo("failed");
        assertThat(order.get("tn_items").get(1).get("uuid")).isEqualTo(order.get("tn_items").get(0).get("uuid"));
        assertThat(order.get("tn_items").get(2).get("tn").get("tn").asLong()).isEqualTo(12012000009L);
        assertThat(order.get("tn_items").get(2).get("reason").asText()).isEqualTo("Error buying a number");
        assertThat(order.get("tn_leases")).hasSize(1);

        Answer tnForm = call("POST", "/rest/order/tn", "{\"tns\":[12012000003],\"voice\":true,\"sms\":false}");
        assertThat(tnForm.body().get("payload").get("state").asText()).isEqualTo("created");
        assertThat(tnForm.body().get("payload").get("price").isNull()).isTrue();
        assertThat(sandbox.purchaseCount(12012000001L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000003L)).isEqualTo(1);
    }

    @Test
    void aSlowOpentactFinishesAnOrderAtItsSecondLookupWhateverItsAge() throws Exception {
        sandbox.setCompletionDelay(Duration.ZERO); // by age, every order would be final at once
        sandbox.setLookupsToFinal(2);
        Answer created = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012040001},{\"tn\":12012040002}]}");
        String uuid = created.body().get("payload").get("uuid").asText();
        JsonNode listed = call("POST", "/rest/order/search?take=10&skip=0", "{}").body().get("payload").get("data").get(0);
        assertThat(listed.get("state").asText()).as("before any lookup").isEqualTo("created");

        sandbox.failNext("/rest/order/" + uuid, 503, 1);
        assertThat(call("GET", "/rest/order/" + uuid, null).status()).as("refused before it is handled").isEqualTo(503);
        JsonNode first = call("GET", "/rest/order/" + uuid, null).body().get("payload");
        assertThat(first.get("state").asText()).isEqualTo("processing");
        assertThat(first.get("processing").asInt()).isEqualTo(2);
        assertThat(first.get("tn_leases")).isEmpty();
        assertThat(first.get("tn_items").get(0).get("state").asText()).isEqualTo("processing");
        assertThat(call("POST", "/rest/order/search?take=10&skip=0", "{}").body().get("payload").get("data").get(0)
                .get("state").asText()).as("the search does not count as a lookup").isEqualTo("processing");

        JsonNode second = call("GET", "/rest/order/" + uuid, null).body().get("payload");
        assertThat(second.get("state").asText()).isEqualTo("success");
        assertThat(second.get("success").asInt()).isEqualTo(2);
        assertThat(second.get("tn_leases")).hasSize(2);
        assertThat(call("GET", "/rest/order/" + uuid, null).body().get("payload").get("state").asText())
                .as("final stays final").isEqualTo("success");
        assertThat(sandbox.purchaseCount(12012040001L)).isEqualTo(1);

        sandbox.setLookupsToFinal(0); // back to the default: by age
        String next = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012040003}]}").body().get("payload")
                .get("uuid").asText();
        assertThat(call("GET", "/rest/order/" + next, null).body().get("payload").get("state").asText()).isEqualTo("success");
    }

    @Test
    void anOwnedNumberIsNotSoldAgain() throws Exception {
        call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000004}]}");
        String second = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000004}]}").body().get("payload")
                .get("uuid").asText();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                call("GET", "/rest/order/" + second, null).body().get("payload").get("state").asText().equals("failed"));
        assertThat(call("GET", "/rest/order/" + second, null).body().get("payload").get("tn_items").get(0)
                .get("reason").asText()).isEqualTo("Number is already owned");
        assertThat(sandbox.purchaseCount(12012000004L)).isEqualTo(1);
        assertThat(sandbox.orderAttempts(12012000004L)).isEqualTo(2);
    }

    @Test
    void notEnoughBalanceIs402AndBuysNothing() throws Exception {
        sandbox.setBalance(new BigDecimal("0.50"));
        Answer a = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000005}]}");
        assertThat(a.status()).isEqualTo(402);
        assertThat(a.body().get("success").asBoolean()).isFalse();
        assertThat(a.body().get("message").asText()).isEqualTo("Not enough account balance");
        assertThat(sandbox.purchaseCount(12012000005L)).isZero();
        assertThat(sandbox.orderCount()).isZero();
    }

    @Test
    void tokenInAnyDocumentedFormOr401() throws Exception {
        assertThat(call("GET", "/rest/lease/tn", null, "X-Auth-Token", "wrong").status()).isEqualTo(401);
        assertThat(call("GET", "/rest/lease/tn", null, null, null).body().get("message").asText()).isEqualTo("Unauthorized");
        assertThat(call("GET", "/rest/lease/tn", null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(call("GET", "/rest/lease/tn?bearer=" + TOKEN, null, null, null).status()).isEqualTo(200);
        assertThat(sandbox.authFormsSeen()).containsEntry("bearer", 1).containsEntry("query", 1);
    }

    @Test
    void validationErrorsAre500WithFields() throws Exception {
        Answer a = call("POST", "/rest/order/price", "{\"tns\":[],\"voice\":\"true\",\"sip_connection\":\"nope\"}");
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body().get("fields").has("tns")).isTrue();
        assertThat(a.body().get("fields").has("voice")).isTrue();
        assertThat(a.body().get("fields").get("sip_connection").get("message").asText()).contains("must match");
    }

    @Test
    void numberSearchLeasesAndOrderSearch() throws Exception {
        Answer found = call("POST", "/rest/tn/search?page=1&size=5", "{\"pattern\":\"201777****\"}");
        assertThat(found.body().get("payload").get("data")).hasSize(5);
        assertThat(found.body().get("payload").get("total").asInt()).isEqualTo(1000);
        assertThat(call("POST", "/rest/tn/search?page=1&size=101", "{\"pattern\":\"201777****\"}").status()).isEqualTo(500);
        call("POST", "/rest/order", "{\"items\":[{\"tn\":12017770000}]}");
        assertThat(call("POST", "/rest/tn/search?page=1&size=5", "{\"pattern\":\"201777****\"}").body()
                .get("payload").get("total").asInt()).isEqualTo(999);
        assertThat(call("GET", "/rest/lease/tn?take=10&skip=0", null).body().get("payload").get("data").get(0)
                .get("tn").get("tn").asLong()).isEqualTo(12017770000L);
        JsonNode orders = call("POST", "/rest/order/search?take=10&skip=0", "{\"tn\":12017770000}").body().get("payload");
        assertThat(orders.get("total").asInt()).isEqualTo(1);
        // As seed 000: a summary only, no request, no numbers.
        JsonNode summary = orders.get("data").get(0);
        assertThat(summary.has("uuid")).isTrue();
        assertThat(summary.has("created_on")).isTrue();
        assertThat(summary.has("request")).isFalse();
        assertThat(summary.has("tn_items")).isFalse();
    }

    @Test
    void documentedOddCornersOnRequest() throws Exception {
        for (int i = 0; i < 3; i++) {
            call("POST", "/rest/order", "{\"items\":[{\"tn\":1201200002" + i + "}]}");
        }
        sandbox.setSearchPageCap(1);
        JsonNode page = call("POST", "/rest/order/search?take=10&skip=0", "{}").body().get("payload");
        assertThat(page.get("take").asInt()).isEqualTo(1);
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.get("total").asInt()).isEqualTo(3);

        sandbox.setSearchDelay(Duration.ofMinutes(1));
        call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000029}]}");
        assertThat(call("POST", "/rest/order/search?take=10&skip=0", "{}").body().get("payload").get("total").asInt())
                .as("orders show in the search only a minute after they were placed").isZero();
        sandbox.setSearchDelay(Duration.ZERO);
        assertThat(call("POST", "/rest/order/search?take=10&skip=0", "{}").body().get("payload").get("total").asInt()).isEqualTo(4);

        sandbox.setLookupForm(OpentactSandbox.LookupForm.SEED_001);
        String uuid = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000030}]}").body().get("payload").get("uuid").asText();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                call("GET", "/rest/order/" + uuid, null).body().get("payload").get("state").asText().equals("success"));
        JsonNode seed001 = call("GET", "/rest/order/" + uuid, null).body().get("payload");
        assertThat(seed001.has("tn_items")).isFalse();
        assertThat(seed001.get("tns").get(0).get("tn").asLong()).isEqualTo(12012000030L);
        assertThat(seed001.get("tnleases").get(0).get("tn").get("tn").asLong()).isEqualTo(12012000030L);

        sandbox.proxyErrorAfterHandling("/rest/order", 1);
        Answer proxy = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012000031}]}");
        assertThat(proxy.status()).isEqualTo(502);
        assertThat(sandbox.purchaseCount(12012000031L)).as("carried out behind the proxy").isEqualTo(1);
        sandbox.successFalseNext("/rest/order/price", 1);
        Answer refused = call("POST", "/rest/order/price", "{\"tns\":[12012000032]}");
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body().get("success").asBoolean()).isFalse();
    }

    @Test
    void searchPagesAndExtraOffers() throws Exception {
        JsonNode page1 = call("POST", "/rest/tn/search?page=1&size=100", "{\"pattern\":\"201777****\"}").body().get("payload");
        JsonNode page10 = call("POST", "/rest/tn/search?page=10&size=100", "{\"pattern\":\"201777****\"}").body().get("payload");
        JsonNode page11 = call("POST", "/rest/tn/search?page=11&size=100", "{\"pattern\":\"201777****\"}").body().get("payload");
        assertThat(page1.get("data")).hasSize(100);
        assertThat(page1.get("data").get(0).get("tn").asLong()).isEqualTo(12017770000L);
        assertThat(page10.get("data").get(99).get("tn").asLong()).isEqualTo(12017770999L);
        assertThat(page11.get("data")).isEmpty();

        sandbox.offerExtraInSearch(18005550199L, 12127770001L);
        JsonNode withExtras = call("POST", "/rest/tn/search?page=1&size=3", "{\"pattern\":\"201777****\"}").body().get("payload");
        assertThat(withExtras.get("total").asInt()).isEqualTo(1002);
        assertThat(withExtras.get("data")).extracting(n -> n.get("tn").asLong())
                .containsExactly(18005550199L, 12127770001L, 12017770000L);
        // They can be bought (so a test can prove they were not).
        call("POST", "/rest/order", "{\"items\":[{\"tn\":12127770001}]}");
        assertThat(sandbox.purchaseCount(12127770001L)).isEqualTo(1);
        sandbox.offerExtraInSearch();
        assertThat(call("POST", "/rest/tn/search?page=1&size=1", "{\"pattern\":\"201777****\"}").body().get("payload")
                .get("total").asInt()).isEqualTo(1000);
    }

    @Test
    void e164StyleAndInjectedFaults() throws Exception {
        sandbox.setNumberStyle(OpentactSandbox.NumberStyle.E164);
        assertThat(call("POST", "/rest/tn/search?page=1&size=1", "{\"pattern\":\"202982%%%%\"}").body().get("payload")
                .get("data").get(0).get("tn").asText()).startsWith("+1202982");
        sandbox.failNext("/rest/order/price", 429, 1);
        Answer limited = call("POST", "/rest/order/price", "{\"tns\":[12012000001]}");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.raw().headers().firstValue("Retry-After")).contains("1");
        assertThat(call("POST", "/rest/order/price", "{\"tns\":[12012000001]}").status()).isEqualTo(200);
    }

    @Test
    void hungMalformedAndOddStateAnswersStillDoTheWork() throws Exception {
        // A hung order POST: the order is placed, the answer comes after the client gave up.
        sandbox.hangNext("/rest/order", 1, Duration.ofSeconds(3));
        HttpRequest post = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/rest/order"))
                .timeout(Duration.ofMillis(300)).header("X-Auth-Token", TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"items\":[{\"tn\":12012010001}]}")).build();
        Assertions.assertThatThrownBy(() -> http.send(post, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(sandbox.orderAttempts(12012010001L)).isEqualTo(1);

        // A malformed answer: 201, the order placed, the body cut off mid-JSON.
        sandbox.malformedAnswerNext("/rest/order", 1);
        HttpResponse<String> cut = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/rest/order"))
                .header("X-Auth-Token", TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"items\":[{\"tn\":12012010002}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cut.statusCode()).isEqualTo(201);
        assertThat(cut.body()).startsWith("{\"success\":true");
        Assertions.assertThatThrownBy(() -> json.readTree(cut.body()))
                .isInstanceOf(JsonProcessingException.class);
        assertThat(sandbox.orderAttempts(12012010002L)).isEqualTo(1);

        // An order state no client knows, for the next read only.
        String uuid = sandbox.placeOrder(12012010003L);
        sandbox.unexpectedOrderStateNext("on_hold", 1);
        assertThat(call("GET", "/rest/order/" + uuid, null).body().get("payload").get("state").asText()).isEqualTo("on_hold");
        assertThat(call("GET", "/rest/order/" + uuid, null).body().get("payload").get("state").asText()).isNotEqualTo("on_hold");
        assertThat(sandbox.faultsInjected()).isEqualTo(3);
    }

    @Test
    void theDegradedModeAnswersEachFaultInTheDocumentedStyle() throws Exception {
        // 503 with the documented error envelope, before anything is done.
        sandbox.degrade(7, 1, 0, 0, 0);
        Answer unavailable = call("POST", "/rest/order", "{\"items\":[{\"tn\":12012030001}]}");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.body().get("success").asBoolean()).isFalse();
        assertThat(unavailable.body().get("status").asInt()).isEqualTo(503);
        assertThat(unavailable.body().get("message").asText()).isEqualTo("Service temporarily unavailable");
        assertThat(sandbox.orderAttempts(12012030001L)).isZero();
        // 429 with Retry-After.
        sandbox.degrade(7, 0, 1, 0, 0);
        Answer limited = call("POST", "/rest/order/search?take=10&skip=0", "{}");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.raw().headers().firstValue("Retry-After")).contains("1");
        // A lookup cut off mid-JSON (its status kept); other calls answer whole.
        sandbox.degrade(7, 0, 0, 1, 0);
        String uuid = sandbox.placeOrder(12012030002L);
        HttpResponse<String> cut = rawGet("/rest/order/" + uuid);
        assertThat(cut.statusCode()).isEqualTo(200);
        Assertions.assertThatThrownBy(() -> json.readTree(cut.body()))
                .isInstanceOf(JsonProcessingException.class);
        assertThat(call("POST", "/rest/order/search?take=10&skip=0", "{}").status()).isEqualTo(200);
        // An order POST carried out, then its connection closed without an answer.
        sandbox.degrade(7, 0, 0, 0, 1);
        Assertions.assertThatThrownBy(() -> call("POST", "/rest/order",
                "{\"items\":[{\"tn\":12012030003}]}")).isInstanceOf(IOException.class);
        assertThat(sandbox.orderAttempts(12012030003L)).isEqualTo(1);
        assertThat(sandbox.degradedFaults()).containsEntry("resetOrderPost", 1);
        assertThat(sandbox.faultsInjected()).isEqualTo(4);
        sandbox.stopDegrading();
        assertThat(call("POST", "/rest/order", "{\"items\":[{\"tn\":12012030004}]}").status()).isEqualTo(201);
    }

    @Test
    void theDegradedModeIsSeeded() throws Exception {
        List<Integer> first = degradedStatuses(42);
        sandbox.close();
        sandbox = OpentactSandbox.start(0, TOKEN);
        assertThat(degradedStatuses(42)).as("the same seed, the same faults").isEqualTo(first);
        assertThat(first).contains(200, 503, 429);
    }

    private List<Integer> degradedStatuses(long seed) throws Exception {
        sandbox.degrade(seed, 4, 5, 0, 0);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            statuses.add(call("POST", "/rest/order/search?take=10&skip=0", "{}").status());
        }
        return statuses;
    }

    /** A GET whose body is not parsed (it may be cut off). */
    private HttpResponse<String> rawGet(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path)).GET().header("X-Auth-Token", TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
