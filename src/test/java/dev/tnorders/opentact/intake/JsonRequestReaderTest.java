package dev.tnorders.opentact.intake;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonRequestReaderTest {

    private final JsonRequestReader reader = new JsonRequestReader(new RequestValidator());
    private static final RequestSource HERE = RequestSource.ofTopic("requests", 0, 42);

    private OrderRequest read(String json, String key) {
        return reader.read(json, key, "requests-0-42", HERE, "now");
    }

    @Test
    void theDocumentedExample() {
        OrderRequest r = read("""
                {"request_id": "crm-7781", "tns": ["+12029822917", "2025550143"],
                 "features": ["voice", "sms"], "autorenew": true, "profile": "US",
                 "max_nrc": "1.00", "max_mrc": "2.50"}""", "key-1");
        assertThat(r.requestId()).isEqualTo("crm-7781");
        assertThat(r.tns()).containsExactly("+12029822917", "+12025550143");
        assertThat(r.maxMrc()).isEqualByComparingTo("2.50");
        assertThat(r.source()).isEqualTo(HERE);
    }

    @Test
    void requestIdFallsBackToKeyThenToTopicPartitionOffset() {
        assertThat(read("{\"tns\":[\"2029822917\"]}", "key-1").requestId()).isEqualTo("key-1");
        assertThat(read("{\"tns\":[12029822917]}", null).requestId()).isEqualTo("requests-0-42");
    }

    @Test
    void criteriaBySearchObject() {
        OrderRequest r = read("{\"search\": {\"area_code\": \"201\", \"exchange\": \"777\", \"quantity\": 5, \"fill\": \"partial\"}}", null);
        assertThat(r.search().quantity()).isEqualTo(5);
        assertThatThrownBy(() -> read("{\"search\": {\"quantity\": 5}}", null)).hasMessageContaining("area_code");
    }

    @Test
    void malformedAndWronglyTypedInputNamesTheProblem() {
        assertThatThrownBy(() -> read("{\"tns\": [\"2029822917\"", null)).hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> read("[1,2]", null)).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> read("{\"tns\": \"2029822917\"}", null)).hasMessageContaining("field 'tns': must be an array");
        assertThatThrownBy(() -> read("{\"tns\": [2.029822917E10]}", null)).hasMessageContaining("field 'tns[0]'");
        assertThatThrownBy(() -> read("{\"tns\": [\"2029822917\"], \"autorenew\": \"yes\"}", null))
                .hasMessageContaining("field 'autorenew'");
        assertThatThrownBy(() -> read("{\"tns\": [\"2029822917\"], \"colour\": 1}", null))
                .hasMessageContaining("field 'colour': is not a known field");
        assertThatThrownBy(() -> read("{\"tns\": []}", null)).hasMessageContaining("field 'tns': is empty");
        assertThatThrownBy(() -> read("{\"tns\": [\"2029822917\"], \"features\": [\"voice\", \"telepathy\"]}", null))
                .hasMessageContaining("telepathy");
    }

    /** CSV headers match loosely; JSON field names are the contract's snake_case, exactly. */
    @Test
    void fieldNamesAreExactUnlikeCsvHeaders() {
        for (String name : List.of("auto_renew", "autoRenew", "Autorenew", "Auto-Renew", "maxNrc", "phone")) {
            assertThatThrownBy(() -> read("{\"tns\": [\"2029822917\"], \"" + name + "\": false}", null))
                    .as(name).hasMessageContaining("field '" + name + "': is not a known field");
        }
        assertThatThrownBy(() -> read("{\"search\": {\"AreaCode\": \"201\"}}", null))
                .hasMessageContaining("field 'search.AreaCode': is not a known field");
    }

    @Test
    void aRequestForwardedFromAFileKeepsItsFileAndLine() {
        OrderRequest r = read("{\"request_id\":\"csv-x-2\",\"tns\":[\"+12029822917\"],"
                + "\"source\":{\"file\":\"a.csv\",\"line\":2},\"received_at\":\"2026-01-01T00:00:00.000Z\"}", "csv-x-2");
        assertThat(r.source()).isEqualTo(RequestSource.ofFile("a.csv", 2));
        assertThat(r.receivedAt()).isEqualTo("2026-01-01T00:00:00.000Z");
    }
}
