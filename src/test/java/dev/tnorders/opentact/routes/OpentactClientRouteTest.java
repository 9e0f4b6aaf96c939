package dev.tnorders.opentact.routes;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.EndpointInject;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.CallNotSentException;
import dev.tnorders.opentact.client.CamelOpentactApi;
import dev.tnorders.opentact.client.HonourRetryAfter;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.client.OpentactAuthException;
import dev.tnorders.opentact.client.OpentactCallThreads;
import dev.tnorders.opentact.client.OpentactHttpClient;
import dev.tnorders.opentact.client.OpentactResponses;
import dev.tnorders.opentact.client.OpentactUnavailableException;
import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.ops.AuthProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * opentact-client.camel.yaml and the opentact-retries configuration in seconds, the HTTP call
 * itself replaced by a mock of {@code direct:opentact-call}: a call that is safe to repeat is sent
 * again on a 5xx or an I/O error, up to {@code opentact.api.retries}; an order POST's call is
 * sent once; a refused token is never retried.
 */
@CamelMainTest(properties = {
        "camel.main.routes-include-pattern=classpath:dev/tnorders/opentact/routes/opentact-client.camel.yaml,"
                + "classpath:dev/tnorders/opentact/routes/error-handling.camel.yaml",
        "opentact.api.base-url=http://127.0.0.1:9", "opentact.api.retries=2", "opentact.api.retry-delay-ms=1"},
        configurationClasses = {RouteTestBeans.class, OpentactClientRouteTest.ClientBeans.class},
        mockEndpointsAndSkip = "direct:opentact-call")
class OpentactClientRouteTest {

    /** The client route's own beans. */
    public static class ClientBeans implements CamelConfiguration {
        @BindToRegistry("opentactAuth")
        public OpentactAuth opentactAuth() {
            return new OpentactAuth("http://127.0.0.1:9", "x-auth-token", "secret-token");
        }

        @BindToRegistry("opentactHttpClient")
        public OpentactHttpClient opentactHttpClient() {
            return new OpentactHttpClient();
        }

        @BindToRegistry("honourRetryAfter")
        public HonourRetryAfter honourRetryAfter() {
            return new HonourRetryAfter();
        }

        @BindToRegistry("authProbe")
        public AuthProbe authProbe() {
            return new AuthProbe(new CamelOpentactApi(), RouteTestBeans.INTAKE);
        }

        @BindToRegistry("opentactRateShare")
        public SharedRateLimit opentactRateShare() {
            return SharedRateLimit.alone(20, 1020);
        }

        @BindToRegistry("opentactCallThreads")
        public OpentactCallThreads opentactCallThreads() {
            return new OpentactCallThreads(32, false);
        }

        @BindToRegistry("opentactResponses")
        public OpentactResponses opentactResponses() {
            return new OpentactResponses();
        }

        @BindToRegistry("opentactApi")
        public CamelOpentactApi opentactApi() {
            return new CamelOpentactApi();
        }
    }

    @Produce("direct:opentact-call-idempotent")
    ProducerTemplate template;

    @EndpointInject("mock:direct:opentact-call")
    MockEndpoint http;

    private final CamelOpentactApi api = new CamelOpentactApi();
    private static final ApiResponse OK = new ApiResponse(200, true, null, null, Map.of());

    @BeforeEach
    void reset() {
        http.reset();
        api.setCamelContext(template.getCamelContext());
    }

    @Test
    void aCallSafeToRepeatIsSentAgainAfterA5xxAndAnIoError() throws Exception {
        http.whenExchangeReceived(1, e -> {
            throw new OpentactUnavailableException(502, "Bad Gateway", 0);
        });
        http.whenExchangeReceived(2, e -> {
            throw new IOException("Connection reset");
        });
        http.whenExchangeReceived(3, e -> e.getMessage().setBody(OK));
        assertThat(api.callIdempotent("POST", "/rest/order/price", null, "{}")).isEqualTo(OK);
        assertThat(http.getReceivedCounter()).isEqualTo(3);
    }

    @Test
    void stillFailingAfterTheRetriesTheErrorGoesBackToTheCaller() {
        http.whenAnyExchangeReceived(e -> {
            throw new OpentactUnavailableException(503, "Service Unavailable", 0);
        });
        assertThatThrownBy(() -> api.callIdempotent("GET", "/rest/order/u1", null, null))
                .isInstanceOf(OpentactUnavailableException.class);
        assertThat(http.getReceivedCounter()).as("the first try and opentact.api.retries=2 more").isEqualTo(3);
    }

    @Test
    void anAnswerCutOffMidJsonIsAFailedAttemptSentAgainAndTheAttemptsAreTold() throws Exception {
        // The client route reads every answer's envelope (OpentactResponses, its last step): a 200
        // whose body is cut off is not a clean empty answer but a failed attempt of that read.
        String whole = "{\"success\":true,\"payload\":{\"take\":10,\"skip\":0,\"total\":0,\"data\":[]}}";
        OpentactResponses envelope = new OpentactResponses();
        http.whenExchangeReceived(1, e -> e.getMessage().setBody(envelope.read(whole.substring(0, whole.length() / 2), 200, null)));
        http.whenExchangeReceived(2, e -> e.getMessage().setBody(envelope.read(whole, 200, null)));
        AtomicInteger sent = new AtomicInteger();
        ApiResponse answer = api.callIdempotent("POST", "/rest/order/search", "take=100&skip=0", "{}", sent::set);
        assertThat(answer.success()).isTrue();
        assertThat(answer.payload().get("data").isArray()).isTrue();
        assertThat(http.getReceivedCounter()).isEqualTo(2);
        assertThat(sent).as("the attempts told to the caller").hasValue(2);
    }

    @Test
    void theAttemptsOfACallThatStillFailsAreToldToo() throws Exception {
        http.whenAnyExchangeReceived(e -> {
            throw new IOException("Connection reset");
        });
        AtomicInteger sent = new AtomicInteger();
        assertThatThrownBy(() -> api.callIdempotent("POST", "/rest/lease/tn/search", null, "{}", sent::set))
                .isInstanceOf(IOException.class);
        assertThat(sent).as("the first try and opentact.api.retries=2 more").hasValue(3);
        http.reset();
        http.whenAnyExchangeReceived(e -> e.getMessage().setBody(OK));
        assertThat(api.callIdempotent("GET", "/rest/order/u1", null, null, sent::set)).isEqualTo(OK);
        assertThat(sent).as("answered at once").hasValue(1);
    }

    @Test
    void anOrderPostsCallIsSentOnce() {
        http.whenAnyExchangeReceived(e -> {
            throw new IOException("Read timed out");
        });
        assertThatThrownBy(() -> api.call("POST", "/rest/order", null, "{}")).isInstanceOf(IOException.class);
        assertThat(http.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aRefusedTokenIsNotRetried() {
        http.whenAnyExchangeReceived(e -> {
            throw new OpentactAuthException(401, "Unauthorized");
        });
        assertThatThrownBy(() -> api.callIdempotent("GET", "/rest/order/u1", null, null))
                .isInstanceOf(OpentactAuthException.class);
        assertThat(http.getReceivedCounter()).isEqualTo(1);
    }

    /**
     * An exchange that never comes back (lost inside Camel, as a throttler's fault once lost one):
     * its caller fails after the stage's deadline and its grace, with a clear error, instead of
     * waiting forever as ProducerTemplate.send did.
     */
    @Test
    void aCallLostInsideCamelFailsAfterItsDeadline() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        http.whenAnyExchangeReceived(e -> never.await(30, TimeUnit.SECONDS));
        api.setQueueTimeoutMs(100);
        long started = System.nanoTime();
        try {
            assertThatThrownBy(() -> api.call("GET", "/rest/order/u1", null, null))
                    .isInstanceOf(CallNotSentException.class).hasMessageContaining("GET /rest/order/u1")
                    .hasMessageContaining("it was not sent");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isBetween(Duration.ofMillis(5_000), Duration.ofSeconds(15));
        } finally {
            never.countDown();
        }
    }
}
