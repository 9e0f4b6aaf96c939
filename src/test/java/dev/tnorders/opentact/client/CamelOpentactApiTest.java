package dev.tnorders.opentact.client;

import java.io.IOException;

import org.apache.camel.CamelExchangeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Only a fault of Camel's throttler, which comes before the HTTP call, is sent again. */
class CamelOpentactApiTest {

    private static NullPointerException npeAt(String className) {
        NullPointerException e = new NullPointerException("Cannot invoke ThrottlePermit.getDelay(...)");
        e.setStackTrace(new StackTraceElement[] {
                new StackTraceElement(className, "processAsynchronously", "X.java", 187),
                new StackTraceElement("org.apache.camel.processor.Pipeline", "process", "Pipeline.java", 1)});
        return e;
    }

    @Test
    void aNullPointerInTheThrottlerIsAFaultBeforeTheCallLeft() {
        assertThat(CamelOpentactApi.failedInThrottler(npeAt("org.apache.camel.processor.TotalRequestsThrottler"))).isTrue();
        assertThat(CamelOpentactApi.failedInThrottler(new CamelExchangeException("wrapped", null,
                npeAt("org.apache.camel.processor.TotalRequestsThrottler")))).isTrue();
    }

    @Test
    void anythingElseIsNot() {
        assertThat(CamelOpentactApi.failedInThrottler(npeAt("dev.tnorders.opentact.client.OpentactResponses"))).isFalse();
        assertThat(CamelOpentactApi.failedInThrottler(new IOException("Connection reset"))).isFalse();
        assertThat(CamelOpentactApi.failedInThrottler(new NullPointerException())).isFalse();
    }
}
