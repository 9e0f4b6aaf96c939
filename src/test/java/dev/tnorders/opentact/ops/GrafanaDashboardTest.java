package dev.tnorders.opentact.ops;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.client.PriceQuote;
import dev.tnorders.opentact.files.FileEnds;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ops/grafana-dashboard.json names only metrics the app exports: every PromQL expression of the
 * dashboard (panel targets, template variables) is read, its metric names extracted, and each is
 * looked up among the series names of a real Prometheus scrape of {@link OrderMetrics} with every
 * meter exercised (so {@code _total}, {@code _count}, {@code _sum}, {@code _bucket}, {@code _max}
 * are the exporter's own, not a list kept by hand).
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("ops/grafana-dashboard.json");

    /** PromQL words that look like metric names but are not. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan");

    @Test
    void everyMetricOfTheDashboardIsExported() throws IOException {
        Set<String> exported = exportedSeries();
        List<String> exprs = expressions(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertThat(exprs).hasSizeGreaterThan(10);

        Set<String> referenced = new TreeSet<>();
        exprs.forEach(e -> referenced.addAll(metricNames(e)));
        assertThat(referenced).contains("opentact_outcomes_total", "opentact_numbers_total",
                "opentact_spend_nrc_total", "opentact_api_calls_seconds_count", "opentact_api_errors_total",
                "opentact_api_calls_seconds_bucket", "opentact_orders_in_flight", "opentact_dlq_records_total",
                "opentact_intake_paused", "opentact_files_in_progress", "opentact_files_requests_open");
        assertThat(unknown(referenced, exported)).as("metrics the dashboard names that the app does not export")
                .isEmpty();
    }

    @Test
    void aMetricTheAppDoesNotExportIsCaught() throws IOException {
        Set<String> exported = exportedSeries();
        // A family name without its suffix, a wrong suffix, a name that never existed.
        assertThat(unknown(metricNames("sum(rate(opentact_outcomes[5m]))"), exported))
                .containsExactly("opentact_outcomes");
        assertThat(unknown(metricNames("rate(opentact_spend_nrc_total_count[5m])"), exported))
                .containsExactly("opentact_spend_nrc_total_count");
        assertThat(unknown(metricNames("max(opentact_orders_inflight{instance=~\"$instance\"})"), exported))
                .containsExactly("opentact_orders_inflight");
    }

    @Test
    void metricNamesSkipFunctionsLabelsRangesAndStrings() {
        assertThat(metricNames("histogram_quantile(0.95, sum by (le, endpoint) "
                + "(rate(opentact_api_calls_seconds_bucket{instance=~\"$instance\",endpoint!=\"x y\"}[$__rate_interval])))"))
                .containsExactly("opentact_api_calls_seconds_bucket");
        assertThat(metricNames("sum by (endpoint) (rate(a_sum[5m])) / on (endpoint) group_left sum(rate(b_count[5m])) > bool 0"))
                .containsExactlyInAnyOrder("a_sum", "b_count");
        assertThat(metricNames("label_values(opentact_orders_in_flight, instance)"))
                .containsExactly("opentact_orders_in_flight");
        assertThat(metricNames("sum(increase(x_total[$__range] offset 1h)) * 3600")).containsExactly("x_total");
    }

    /** The dashboard's PromQL: targets of every panel (rows' nested panels too) and query variables. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        collectPanels(dashboard.path("panels"), out);
        for (JsonNode v : dashboard.path("templating").path("list")) {
            JsonNode q = v.path("query");
            String text = q.isTextual() ? q.asText() : q.path("query").asText("");
            if ("query".equals(v.path("type").asText()) && !text.isBlank()) {
                out.add(text);
            }
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, List<String> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                String expr = t.path("expr").asText("");
                if (!expr.isBlank()) {
                    out.add(expr);
                }
            }
            collectPanels(p.path("panels"), out);
        }
    }

    /** The metric names a PromQL expression selects. */
    static Set<String> metricNames(String promql) {
        String e = promql;
        e = e.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'", "\"\""); // strings
        e = e.replaceAll("\\{[^}]*}", " ");                                         // label matchers
        e = e.replaceAll("\\[[^]]*]", " ");                                         // ranges
        e = e.replaceAll("\\boffset\\s+-?[0-9a-zA-Z_$]+", " ");                    // offset 1h
        e = e.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // label lists
        e = e.replaceAll("label_values\\(([^,()]+),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)", "$1"); // Grafana variable query
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(e);
        while (m.find()) {
            String word = m.group(1);
            if (m.group(2) == null && !KEYWORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }

    private static Set<String> unknown(Set<String> referenced, Set<String> exported) {
        Set<String> missing = new TreeSet<>(referenced);
        missing.removeAll(exported);
        return missing;
    }

    /** The series names (with their suffixes) of a Prometheus scrape of OrderMetrics, every meter used. */
    static Set<String> exportedSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OrderMetrics metrics = new OrderMetrics(() -> 2, () -> true, registry);
        OrderResults decisions = new OrderResults(new OrderClock(Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC), ms -> { }));
        PriceQuote quote = new PriceQuote(new BigDecimal("2.00"), new BigDecimal("1.00"),
                new BigDecimal("1.00"), new BigDecimal("0.50"), 1);
        RequestSource topic = RequestSource.ofTopic("requests", 0, 7);
        OrderRequest request = request("r1").tns("+12029822917").source(topic).receivedAt("t0").build();

        metrics.received(request, 0, 7L);
        OrderStatus bought = new OrderStatus("u1", "success", true,
                Map.of("+12029822917", new OrderStatus.Item(true, "success", "Complete")),
                new BigDecimal("1.25"), new BigDecimal("0.75"));
        metrics.outcome(decisions.finished(request, "u1", bought, quote));
        metrics.outcome(decisions.quoteOnly(request, quote));
        metrics.deadLetter(Map.of("payload", "x", "source", topic));
        metrics.operatorCommand("resume-intake");
        metrics.opentactCall("GET", "/rest/order/0f8e2c1a-1111-4222-8333-944445555666", 200, null, metrics.startTimer());
        metrics.opentactCall("POST", "/rest/order/price", 503, null, metrics.startTimer());
        new FileEnds(null, "state", "files", "outcomes", "group", "outbox", 1000)
                .bindGauges(registry);

        Set<String> series = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(line);
            if (m.find()) {
                series.add(m.group(1));
            }
        }
        return series;
    }
}
