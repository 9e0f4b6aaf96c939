package dev.tnorders.opentact.ops;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.CallNotSentException;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;

/** The Opentact and Kafka readiness checks against the sandbox over HTTP and a closed port. */
class ProbeHealthChecksTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private OpentactSandbox sandbox;

    @AfterEach
    void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void opentactUpWhenItTakesTheTokenDownWhenItRefusesItAskingAtMostOncePerInterval() {
        sandbox = OpentactSandbox.start(0, "good-token");
        for (String mode : new String[] {"x-auth-token", "bearer", "query"}) {
            OpentactHealthCheck check = new OpentactHealthCheck(sandbox.baseUrl(),
                    new OpentactAuth(sandbox.baseUrl(), mode, "good-token"), 1000, 2000, now::get);
            assertThat(check.call().getState()).as(mode).isEqualTo(HealthCheck.State.UP);
        }

        OpentactHealthCheck check = new OpentactHealthCheck(sandbox.baseUrl(),
                new OpentactAuth(sandbox.baseUrl(), "query", "good-token"), 1000, 2000, now::get);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        int calls = sandbox.callTimes("/rest/lease/tn").size();

        sandbox.setToken("rotated-token");
        assertThat(check.call().getState()).as("within the interval: the last answer").isEqualTo(HealthCheck.State.UP);
        assertThat(sandbox.callTimes("/rest/lease/tn")).hasSize(calls);

        now.addAndGet(1000);
        HealthCheck.Result refused = check.call();
        assertThat(refused.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(refused.getMessage()).hasValue("Opentact refused the API token (HTTP 401)");

        sandbox.failNext("/rest/lease/tn", 503, 1);
        sandbox.setToken("good-token");
        now.addAndGet(1000);
        assertThat(check.call().getMessage()).hasValue("Opentact is unavailable (HTTP 503)");
        now.addAndGet(1000);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
    }

    /** While the routes talk to Opentact, their last answer tells: no probe on top of the account's rate limit. */
    @Test
    void opentactIsJudgedFromTheRoutesLastAnswerWhileTheyTalkToItAndProbedOnlyWhenIdle() {
        sandbox = OpentactSandbox.start(0, "good-token");
        OpentactHealthCheck check = new OpentactHealthCheck(sandbox.baseUrl(),
                new OpentactAuth(sandbox.baseUrl(), "query", "good-token"), 1000, 2000, now::get);
        AtomicReference<OrderMetrics.LastAnswer> last = new AtomicReference<>();
        check.setLastAnswer(last::get);
        last.set(new OrderMetrics.LastAnswer(401, null, now.get() - 10));
        HealthCheck.Result refused = check.call();
        assertThat(refused.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(refused.getMessage()).get().asString().isEqualTo("Opentact refused the API token (HTTP 401)");
        now.addAndGet(1000);
        last.set(new OrderMetrics.LastAnswer(null, "timeout", now.get()));
        assertThat(check.call().getMessage()).get().asString().isEqualTo("Opentact cannot be reached: timeout");
        now.addAndGet(1000);
        last.set(new OrderMetrics.LastAnswer(201, null, now.get()));
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(sandbox.callTimes("/rest/lease/tn")).as("no probe while the routes talk to Opentact").isEmpty();
        now.addAndGet(1000); // idle for an interval: a probe of its own
        sandbox.setToken("rotated-token");
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(sandbox.callTimes("/rest/lease/tn")).hasSize(1);
    }

    /** A probe is a call: it takes a turn in the instance's share of the rate limit, and without one it is not made. */
    @Test
    void aProbeTakesATurnWithinTheRateLimitAndIsNotMadeWithoutOne() {
        sandbox = OpentactSandbox.start(0, "good-token");
        OpentactHealthCheck check = new OpentactHealthCheck(sandbox.baseUrl(),
                new OpentactAuth(sandbox.baseUrl(), "query", "good-token"), 1000, 2000, now::get);
        List<Long> turns = new ArrayList<>();
        check.setTurn(turns::add);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(turns).containsExactly(2_000_000_000L);
        assertThat(sandbox.callTimes("/rest/lease/tn")).hasSize(1);

        check.setTurn(waitNanos -> {
            throw new CallNotSentException("no turn", null);
        });
        now.addAndGet(1000);
        HealthCheck.Result noTurn = check.call();
        assertThat(noTurn.getState()).as("what it knew stands").isEqualTo(HealthCheck.State.UP);
        assertThat(noTurn.getMessage()).get().asString().isEqualTo("Opentact answers and takes the token (not asked "
                + "again: this instance had no turn within the account's rate limit (opentact.api.rate-limit) in 2000 ms "
                + "(idle, or joining the group))");
        assertThat(sandbox.callTimes("/rest/lease/tn")).as("no probe without a turn").hasSize(1);
    }

    @Test
    void opentactUnreachableIsDownWithoutTheToken() throws Exception {
        String url = "http://127.0.0.1:" + closedPort();
        OpentactHealthCheck check = new OpentactHealthCheck(url, new OpentactAuth(url, "query", "secret-token-1"),
                1000, 2000, now::get);
        HealthCheck.Result r = check.call();
        assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(r.getMessage()).get().asString().startsWith("Opentact cannot be reached").doesNotContain("secret-token-1");
    }

    @Test
    void kafkaUnreachableIsDown() throws Exception {
        KafkaHealthCheck check = new KafkaHealthCheck("127.0.0.1:" + closedPort(), 1000, 1500, now::get);
        HealthCheck.Result r = check.call();
        assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(r.getMessage()).get().asString().startsWith("Kafka cannot be reached at 127.0.0.1:");
        assertThat(check.isLiveness()).isFalse();
        check.close();
    }

    @Test
    void kafkaDownNamesTheProtocolAndMechanismButNoSecret() throws Exception {
        KafkaClientSettings settings = new KafkaClientSettings(
                "127.0.0.1:" + closedPort(), Map.of("security-protocol", "SASL_PLAINTEXT", "sasl-mechanism",
                        "PLAIN", "sasl-jaas-config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                                + "username=\"u\" password=\"health-secret-91\";"));
        KafkaHealthCheck check = new KafkaHealthCheck(settings, 1000, 1500, now::get);
        HealthCheck.Result r = check.call();
        assertThat(r.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(r.getMessage()).get().asString().startsWith("Kafka cannot be reached at 127.0.0.1:")
                .contains("(security.protocol=SASL_PLAINTEXT, sasl.mechanism=PLAIN)").doesNotContain("health-secret-91");
        check.close();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
