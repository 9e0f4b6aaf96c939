package dev.tnorders.opentact.ops;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;

class MetricTagsTest {

    @Test
    void anEndpointIsATemplateWithoutIdsOrQuery() {
        assertThat(MetricTags.endpointTemplate("/rest/order/0f8e1c2a-1b2c-4d5e-8f90-123456789abc")).isEqualTo("/rest/order/{uuid}");
        assertThat(MetricTags.endpointTemplate("/rest/lease/tn/15551234567?expand=1")).isEqualTo("/rest/lease/tn/{id}");
        assertThat(MetricTags.endpointTemplate("/rest/tn/42/lease")).isEqualTo("/rest/tn/{id}/lease");
        assertThat(MetricTags.endpointTemplate(null)).isEqualTo("/");
        assertThat(MetricTags.endpointTemplate(" ")).isEqualTo("/");
    }

    @Test
    void aCallWithoutAnswerIsTaggedByWhatItMet() {
        assertThat(MetricTags.errorKind(null)).isEqualTo("none");
        assertThat(MetricTags.errorKind(new SocketTimeoutException("read"))).isEqualTo("timeout");
        assertThat(MetricTags.errorKind(new IOException("wrapped", new TimeoutException()))).isEqualTo("timeout");
        assertThat(MetricTags.errorKind(new ConnectException("refused"))).isEqualTo("connect_error");
        assertThat(MetricTags.errorKind(new RuntimeException(new UnknownHostException("x")))).isEqualTo("connect_error");
        assertThat(MetricTags.errorKind(new IOException("reset"))).isEqualTo("io_error");
    }

    @Test
    void aSourceIsFileTopicOrUnknown() {
        assertThat(MetricTags.sourceOf(RequestSource.ofFile("orders.csv", 3))).isEqualTo("file");
        assertThat(MetricTags.sourceOf(RequestSource.ofTopic("opentact.order.requests", 0, 7))).isEqualTo("topic");
        assertThat(MetricTags.sourceOf(null)).isEqualTo("unknown");
    }
}
