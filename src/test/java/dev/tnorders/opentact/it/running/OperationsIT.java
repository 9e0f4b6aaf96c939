package dev.tnorders.opentact.it.running;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operations over HTTP, as an operator sees them: the Prometheus scrape after a run of requests,
 * and readiness going DOWN when Opentact refuses the token and UP again when it takes it.
 */
class OperationsIT extends SandboxAndApp {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private record Answer(int status, String body) {
        /** Camel's health answer: overall status, and name → {status, message} of the checks it lists. */
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> checks() throws Exception {
            Map<String, Object> json = new ObjectMapper().readValue(body, Map.class);
            Map<String, Map<String, Object>> out = new HashMap<>();
            for (Map<String, Object> c : (List<Map<String, Object>>) json.getOrDefault("checks", List.of())) {
                out.put((String) c.get("name"), c);
            }
            return out;
        }

        String overall() throws Exception {
            return (String) new ObjectMapper().readValue(body, Map.class).get("status");
        }
    }

    private Answer get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.managementPort + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    /** Prometheus text format: {@code name{tags} value}, tags sorted as the registry writes them (values may hold braces). */
    private static Map<String, Double> samples(String scrape) {
        Map<String, Double> out = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[^\"}]|\"[^\"]*\")*\\})?) (\\S+)$").matcher(scrape);
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    @Test
    @Tag("camel-micrometer-prometheus") // reads the Prometheus scrape: left out of -Pcamel-4.22 (pom.xml)
    void thePrometheusScrapeCountsWhatHappened() throws Exception {
        sandbox.removeInventory(12012000009L);                     // ordered, but Opentact cannot buy it: failed
        sandbox.failNext("/rest/order/price", 503, 1);             // one Opentact error, retried
        app = app().with("opentact.inbox.quiet-ms", "200").start();

        TopicProbe.send(app.brokers, app.topic("requests"), "ok-1",
                "{\"request_id\": \"ok-1\", \"tns\": [\"+12029822917\", \"2025550143\"], \"max_nrc\": \"5.00\"}");
        TopicProbe.send(app.brokers, app.topic("requests"), "ok-2", "{\"request_id\": \"ok-2\", \"tns\": [\"+12012000001\"]}");
        TopicProbe.send(app.brokers, app.topic("requests"), "fail-1", "{\"request_id\": \"fail-1\", \"tns\": [\"+12012000009\"]}");
        TopicProbe.send(app.brokers, app.topic("requests"), "limit-1",
                "{\"request_id\": \"limit-1\", \"tns\": [\"+12012000002\"], \"max_nrc\": \"0.01\"}");
        TopicProbe.send(app.brokers, app.topic("requests"), "bad-1", "{\"tns\": [\"+12012000003\"");
        Files.createDirectories(app.inbox);
        Files.writeString(app.inbox.resolve("one.csv"), "tn\n+1 201 200 0004\n", StandardCharsets.UTF_8);

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 5, WAIT, SETTLE);
        assertThat(TopicProbe.read(app.brokers, app.topic("dlq"), 1, WAIT, Duration.ZERO)).hasSize(1);
        assertThat(outcomes).hasSize(5);
        BigDecimal nrc = BigDecimal.ZERO;
        BigDecimal mrc = BigDecimal.ZERO;
        for (TopicProbe.Rec o : outcomes) {
            if (o.get("state").equals("completed")) {
                nrc = nrc.add(new BigDecimal((String) o.map("price").get("nrc")));
                mrc = mrc.add(new BigDecimal((String) o.map("price").get("mrc")));
            }
        }
        assertThat(nrc).isPositive();

        Answer scrape = get("/observe/metrics");
        assertThat(scrape.status()).isEqualTo(200);
        Map<String, Double> s = samples(scrape.body());
        assertThat(s).containsEntry("opentact_requests_received_total{source=\"topic\"}", 4.0)
                .containsEntry("opentact_requests_received_total{source=\"file\"}", 1.0)
                .containsEntry("opentact_outcomes_total{source=\"topic\",state=\"completed\"}", 2.0)
                .containsEntry("opentact_outcomes_total{source=\"topic\",state=\"failed\"}", 1.0)
                .containsEntry("opentact_outcomes_total{source=\"topic\",state=\"rejected\"}", 1.0)
                .containsEntry("opentact_outcomes_total{source=\"file\",state=\"completed\"}", 1.0)
                .containsEntry("opentact_numbers_total{state=\"ordered\"}", 4.0)
                .containsEntry("opentact_numbers_total{state=\"failed\"}", 1.0)
                .containsEntry("opentact_numbers_total{state=\"rejected\"}", 1.0)
                .containsEntry("opentact_rejections_total{reason=\"over_limit\"}", 1.0)
                .containsEntry("opentact_dlq_records_total{source=\"topic\"}", 1.0)
                .containsEntry("opentact_orders_in_flight", 0.0)
                .containsEntry("opentact_api_errors_total{endpoint=\"/rest/order/price\",method=\"POST\",status=\"503\"}", 1.0);
        assertThat(s.get("opentact_spend_nrc_total")).isCloseTo(nrc.doubleValue(), Offset.offset(1e-9));
        assertThat(s.get("opentact_spend_mrc_total")).isCloseTo(mrc.doubleValue(), Offset.offset(1e-9));
        assertThat(s).doesNotContainKey("opentact_numbers_total{state=\"unknown\"}");

        // Calls as the sandbox saw them: the prices (one answered 503), the order POSTs, the order GETs.
        // Per request: 5 prices + the 503, 4 order POSTs (limit-1 is refused after its price). In
        // batching mode, requests of one poll may share a price and an order call: fewer, never more.
        int prices = sandbox.callTimes("/rest/order/price").size();
        int posts = sandbox.callTimes("/rest/order").size();
        assertThat(s).containsEntry("opentact_api_calls_seconds_count{endpoint=\"/rest/order/price\",method=\"POST\",status=\"200\"}",
                (double) prices - 1);
        assertThat(s).containsEntry("opentact_api_calls_seconds_count{endpoint=\"/rest/order\",method=\"POST\",status=\"201\"}",
                (double) posts);
        if (batching()) {
            assertThat(prices).isBetween(2, 6);
            assertThat(posts).isBetween(1, 4);
        } else {
            assertThat(prices).isEqualTo(6);
            assertThat(posts).isEqualTo(4);
        }
        double gets = s.entrySet().stream().filter(e -> e.getKey().startsWith(
                "opentact_api_calls_seconds_count{endpoint=\"/rest/order/{uuid}\",method=\"GET\"")).mapToDouble(Map.Entry::getValue).sum();
        // distinct: in batching mode several requests share one order
        long sandboxGets = outcomes.stream().map(o -> (String) o.get("order_uuid")).filter(u -> u != null).distinct()
                .mapToLong(u -> sandbox.callTimes("/rest/order/" + u).size()).sum();
        assertThat(gets).isEqualTo((double) sandboxGets).isPositive();
        // No order uuid (or any other id) in a metric's tags.
        assertThat(scrape.body()).doesNotContainPattern("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")
                .doesNotContain("ok-1").doesNotContain("+1202");
        // Camel's own and the JVM's meters are there too.
        assertThat(scrape.body()).contains("camel_exchanges_total").contains("jvm_memory_used_bytes");
    }

    /** The mode the app runs in (the default, or what -Dit.batching asked for). */
    private boolean batching() {
        return Boolean.parseBoolean(app.context().resolvePropertyPlaceholders("{{setting:opentact.order.batching}}"));
    }

    @Test
    @Tag("camel-micrometer-prometheus") // reads the Prometheus scrape: left out of -Pcamel-4.22 (pom.xml)
    void readinessIsDownWithTheReasonWhileTheTokenIsRefusedAndUpAfter() throws Exception {
        app = app().with("opentact.health.check-interval-ms", "200").start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("/observe/health/ready").status()).isEqualTo(200));
        assertThat(get("/observe/health/live").status()).isEqualTo(200);
        // Registered at start, before any request: waited for, not raced (the scrape's first answer
        // may come while the context is still starting).
        await().atMost(WAIT).untilAsserted(() -> assertThat(samples(get("/observe/metrics").body()))
                .as("registered at start, before any request").containsEntry("opentact_orders_in_flight", 0.0));

        sandbox.setToken("rotated-on-the-opentact-side");
        await().atMost(WAIT).untilAsserted(() -> {
            Answer ready = get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.overall()).isEqualTo("DOWN");
            assertThat(ready.checks().get("opentact-api")).containsEntry("status", "DOWN")
                    .containsEntry("message", "Opentact refused the API token (HTTP 401)");
        });
        // A request meets the refused token: intake pauses, and readiness says so too.
        TopicProbe.send(app.brokers, app.topic("requests"), "tok-1", "{\"request_id\": \"tok-1\", \"tns\": [\"+12012000008\"]}");
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("/observe/health/ready").checks().get("opentact-intake"))
                .containsEntry("status", "DOWN").extracting(c -> (String) c.get("message")).asString()
                .startsWith("intake paused: Opentact refused the API token (HTTP 401"));
        assertThat(get("/observe/health/ready").body()).doesNotContain(TOKEN);
        // The status at a glance: the intake check's data.
        assertThat(get("/observe/health/ready?data=true").checks().get("opentact-intake").get("data"))
                .asInstanceOf(InstanceOfAssertFactories.MAP)
                .containsEntry("intake", "paused").containsEntry("paused_for", "token").containsKey("orders_in_flight");
        assertThat(get("/observe/health/live").status()).as("a paused instance is alive").isEqualTo(200);

        sandbox.setToken(TOKEN); // fixed on the Opentact side
        await().atMost(WAIT).untilAsserted(() -> {
            Answer ready = get("/observe/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.overall()).isEqualTo("UP");
        });
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, Duration.ZERO)).singleElement()
                .satisfies(o -> assertThat(o.value()).containsEntry("state", "completed"));
        Map<String, Map<String, Object>> all = get("/observe/health/ready?exposureLevel=full").checks();
        assertThat(all.get("opentact-kafka")).containsEntry("status", "UP");
        assertThat(all.get("opentact-api")).containsEntry("status", "UP");
        assertThat(all.get("opentact-intake")).containsEntry("status", "UP");
        assertThat(all.get("opentact-journal")).containsEntry("status", "UP");
        assertThat(all.get("opentact-requests-consumers")).containsEntry("status", "UP");
    }
}
