package dev.tnorders.opentact.client;

import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpentactAuthTest {

    @Test
    void eachDocumentedFormAndStripRemovesTheToken() {
        Map<String, Object> h = new HashMap<>();
        new OpentactAuth("https://api.opentact.org", "x-auth-token", "s3cret").apply(h);
        assertThat(h).containsEntry("X-Auth-Token", "s3cret");
        h.clear();
        new OpentactAuth("https://api.opentact.org", "bearer", "s3cret").apply(h);
        assertThat(h).containsEntry("Authorization", "Bearer s3cret");
        h.clear();
        h.put(Exchange.HTTP_QUERY, "take=1");
        OpentactAuth query = new OpentactAuth("https://api.opentact.org", "query", "s3 cret");
        query.apply(h);
        assertThat(h).containsEntry(Exchange.HTTP_QUERY, "take=1&bearer=s3+cret");
        query.strip(h);
        assertThat(h.values()).noneMatch(v -> v.toString().contains("s3"));
    }

    @Test
    void plainHttpOnlyToLoopback() {
        new OpentactAuth("http://127.0.0.1:8080", "bearer", "t");
        new OpentactAuth("http://localhost:8080", "bearer", "t");
        assertThatThrownBy(() -> new OpentactAuth("http://api.opentact.org", "bearer", "t"))
                .hasMessageContaining("must be https").hasMessageNotContaining("t\"");
        assertThatThrownBy(() -> new OpentactAuth("http://10.0.0.5", "bearer", "t")).hasMessageContaining("must be https");
        assertThatThrownBy(() -> new OpentactAuth("ftp://x", "bearer", "t")).hasMessageContaining("must be https");
    }
}
