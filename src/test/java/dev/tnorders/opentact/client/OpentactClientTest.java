package dev.tnorders.opentact.client;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.IntConsumer;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each method of the typed client: the method, path, query and body it sends, which call it goes
 * through (retried, once, guarded), and how it reads the answer.
 */
class OpentactClientTest {

    private final OpentactResponses responses = new OpentactResponses();
    private final FakeApi api = new FakeApi();
    private final OpentactClient client = new OpentactClient(api, new OpentactPayloads("items"));

    private static OrderRequest request(String profile) {
        return RequestBuilder.request("r1").tns("+12029822917", "+12025550143").features(Feature.VOICE, Feature.SMS)
                .profile(profile).receivedAt("now").build();
    }

    private ApiResponse ok(String payload) {
        return responses.read("{\"success\":true,\"payload\":" + payload + "}", 200, null);
    }

    private ApiResponse refused(int status, String message) {
        return responses.read("{\"success\":false,\"status\":" + status + ",\"message\":\"" + message + "\"}", status,
                null);
    }

    @Test
    void searchNumbersAsksOnePageRetriedAndReadsItsNumbersAndTotal() throws Exception {
        api.answers.add(ok("{\"total\":250,\"data\":[{\"tn\":12015550001},{\"tn\":\"+12015550002\"}]}"));
        OpentactClient.NumbersPage page = client.searchNumbers("201555", 2, 100);
        assertThat(api.calls).containsExactly("idempotent POST /rest/tn/search?page=2&size=100 {\"pattern\":\"201555\"}");
        assertThat(page.success()).isTrue();
        assertThat(page.numbers()).containsExactly("+12015550001", "+12015550002");
        assertThat(page.total()).isEqualTo(250);
    }

    @Test
    void aRefusedSearchCarriesOpentactsAnswerAndNoNumbers() throws Exception {
        api.answers.add(refused(400, "Pattern is invalid"));
        OpentactClient.NumbersPage page = client.searchNumbers("2", 1, 100);
        assertThat(page.success()).isFalse();
        assertThat(page.answer().describeFailure()).isEqualTo("Pattern is invalid");
        assertThat(page.numbers()).isEmpty();
        assertThat(page.total()).isNull();
    }

    @Test
    void priceSendsThePriceBodyRetriedAndReadsTheQuote() throws Exception {
        api.answers.add(ok("{\"nrc\":2.10,\"mrc\":1.00,\"items\":[{\"nrc\":\"1.05\",\"mrc\":\"0.50\","
                + "\"voice_nrc\":\"0\",\"voice_mrc\":\"0\",\"sms_nrc\":\"0\",\"sms_mrc\":\"0.10\"},"
                + "{\"nrc\":\"1.50\",\"mrc\":\"0.25\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\","
                + "\"sms_nrc\":\"0\",\"sms_mrc\":\"0\"}]}"));
        OpentactClient.Priced priced = client.price(request(null));
        assertThat(api.calls).containsExactly("idempotent POST /rest/order/price {\"tns\":[12029822917,12025550143],"
                + "\"voice\":true,\"sms\":true,\"mms\":false,\"fax\":false,\"emergency\":false,\"autorenew\":true}");
        assertThat(priced.success()).isTrue();
        assertThat(priced.quote().isReadable()).isTrue();
        assertThat(priced.quote().totalNrc()).isEqualByComparingTo("3.00"); // PriceDerivation: 1.50 x 2
    }

    @Test
    void aRefusedPriceHasNoQuote() throws Exception {
        api.answers.add(refused(402, "Not enough account balance"));
        OpentactClient.Priced priced = client.price(request(null));
        assertThat(priced.success()).isFalse();
        assertThat(priced.quote()).isNull();
        assertThat(priced.answer().httpStatus()).isEqualTo(402);
    }

    @Test
    void placeSendsTheOrderOnceUnderItsGuardToTheFormsPath() throws Exception {
        SendGuard guard = () -> null;
        api.answers.add(ok("{\"uuid\":\"u1\",\"state\":\"processing\"}"));
        OpentactClient.OrderPost post = client.place(request(null), guard);
        assertThat(api.calls).hasSize(1);
        assertThat(api.calls.get(0)).startsWith("guarded POST /rest/order {\"items\":[{\"tn\":12029822917,");
        assertThat(api.guards).containsExactly(guard);
        assertThat(post.success()).isTrue();
        assertThat(post.orderUuid(Instant.parse("2026-12-01T10:00:00Z"))).isEqualTo("u1");

        api.answers.add(ok("{\"uuid\":\"u2\"}"));
        client.place(request("US"), guard); // a profile: CreateTNOrder's form
        assertThat(api.calls.get(1)).startsWith("guarded POST /rest/order/tn {\"tns\":[12029822917,12025550143],");
        assertThat(client.orderPath(request("US"))).isEqualTo("/rest/order/tn");
        assertThat(new OpentactClient(api, new OpentactPayloads("tn")).orderPath(request(null))).isEqualTo("/rest/order/tn");
    }

    @Test
    void anOrderPostsAnswerThatIsNotOurNewOrderIsNoUsableAnswer() throws Exception {
        api.answers.add(ok("{\"uuid\":\"old\",\"created_on\":\"2026-11-30T10:00:00Z\"}"));
        OpentactClient.OrderPost post = client.place(request(null), null);
        assertThatThrownBy(() -> post.orderUuid(Instant.parse("2026-12-01T10:00:00Z")))
                .isInstanceOf(OpentactUnavailableException.class).hasMessageContaining("before our order could be");

        api.answers.add(refused(402, "Not enough account balance"));
        OpentactClient.OrderPost refused = client.place(request(null), null);
        assertThat(refused.success()).isFalse();
        assertThat(refused.httpStatus()).isEqualTo(402);
        assertThat(refused.answer().describeFailure()).isEqualTo("Not enough account balance");
    }

    @Test
    void anOrderPostRefusedByItsGuardIsNotSent() {
        assertThatThrownBy(() -> client.place(request(null), () -> "the intent's lease ended"))
                .isInstanceOf(CallNotSentException.class).hasMessageContaining("the intent's lease ended");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void orderFollowsTheOrderRetriedAndARefusalIsNoStatus() throws Exception {
        api.answers.add(ok("{\"uuid\":\"u1\",\"state\":\"success\",\"tn_items\":[{\"state\":\"success\","
                + "\"tn\":{\"tn\":12029822917}}]}"));
        OrderStatus status = client.order("u1");
        assertThat(api.calls).containsExactly("idempotent GET /rest/order/u1 null");
        assertThat(status.isFinal()).isTrue();
        assertThat(status.numbers()).containsKey("+12029822917");

        api.answers.add(refused(404, "Order not found"));
        assertThat(client.order("u2")).isNull();
    }

    @Test
    void reconciliationsReadsAreRetriedCountedAndARefusalThrows() throws Exception {
        int[] sent = {0};
        api.answers.add(ok("{\"take\":10,\"skip\":20,\"total\":31,\"data\":[{\"uuid\":\"o1\",\"state\":\"success\"}]}"));
        OpentactPayloads.OrderPage orders = client.orderPage(100, 20, n -> sent[0] = n);
        assertThat(api.calls).containsExactly(
                "idempotent POST /rest/order/search?take=100&skip=20 {\"order\":{\"created_on\":\"DESC\"}}");
        assertThat(sent[0]).isEqualTo(1);
        assertThat(orders.total()).isEqualTo(31);
        assertThat(orders.orders()).extracting(OrderStatus::uuid).containsExactly("o1");

        api.answers.add(ok("{\"total\":1,\"data\":[{\"tn\":{\"tn\":12029822917},\"created_on\":\"2026-12-01T10:00:00Z\"}]}"));
        OpentactPayloads.LeasePage leases = client.leasePage(100, 0, n -> { });
        assertThat(api.calls.get(1)).isEqualTo(
                "idempotent POST /rest/lease/tn/search?take=100&skip=0 {\"order\":{\"created_on\":\"DESC\"}}");
        assertThat(leases.leases()).containsExactly(
                new OpentactPayloads.Lease("+12029822917", Instant.parse("2026-12-01T10:00:00Z")));

        api.answers.add(ok("{\"uuid\":\"o1\",\"state\":\"success\",\"tns\":[12029822917]}"));
        assertThat(client.lookUpOrder("o1", n -> { }).listed()).containsExactly("+12029822917");
        assertThat(api.calls.get(2)).isEqualTo("idempotent GET /rest/order/o1 null");

        api.answers.add(refused(400, "Bad take"));
        assertThatThrownBy(() -> client.orderPage(100, 0, n -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessage("HTTP 400, Bad take");
        api.answers.add(ok("{\"data\":\"none\"}"));
        assertThat(client.leasePage(100, 0, n -> { })).isNull();
    }

    /** Answers in turn, and names each call with the way it was sent. */
    static final class FakeApi implements OpentactApi {
        final Deque<ApiResponse> answers = new ArrayDeque<>();
        final List<String> calls = new ArrayList<>();
        final List<SendGuard> guards = new ArrayList<>();

        private ApiResponse answer(String how, String method, String path, String query, String body) {
            calls.add(how + " " + method + " " + path + (query == null ? "" : "?" + query) + " " + body);
            return answers.remove();
        }

        @Override
        public ApiResponse call(String method, String path, String query, String body) {
            return answer("once", method, path, query, body);
        }

        @Override
        public ApiResponse callGuarded(String method, String path, String query, String body, SendGuard guard) {
            SendGuard.admit(method + " " + path, guard);
            guards.add(guard);
            return answer("guarded", method, path, query, body);
        }

        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body) {
            return answer("idempotent", method, path, query, body);
        }

        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body, IntConsumer sent) {
            sent.accept(1);
            return answer("idempotent", method, path, query, body);
        }
    }
}
