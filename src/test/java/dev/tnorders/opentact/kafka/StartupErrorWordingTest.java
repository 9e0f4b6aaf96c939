package dev.tnorders.opentact.kafka;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StartupErrorWordingTest {

    private static final String WAITED = "60000 ms (opentact.kafka.startup-timeout-ms)";

    @Test
    void eachFailureSaysWhatToCheck() {
        assertThat(StartupErrorWording.why(null, WAITED)).startsWith("no answer within " + WAITED + ": check that the brokers");
        assertThat(StartupErrorWording.why(new TimeoutException(), WAITED)).startsWith("no answer within");
        assertThat(StartupErrorWording.why(new org.apache.kafka.common.errors.TimeoutException("t"), WAITED))
                .startsWith("no answer within");
        assertThat(StartupErrorWording.why(new ExecutionException(new SslAuthenticationException("bad cert")), WAITED))
                .startsWith("TLS handshake failed: SslAuthenticationException: bad cert (check the truststore");
        assertThat(StartupErrorWording.why(new SaslAuthenticationException("bad login"), WAITED))
                .startsWith("authentication failed: SaslAuthenticationException: bad login (check sasl-mechanism");
        assertThat(StartupErrorWording.why(new TopicAuthorizationException("no ACL"), WAITED))
                .startsWith("not authorised: TopicAuthorizationException: no ACL (the principal lacks an ACL");
        assertThat(StartupErrorWording.why(new IllegalStateException(), WAITED)).isEqualTo("IllegalStateException");
        assertThat(StartupErrorWording.why(new ExecutionException(null), WAITED)).isEqualTo("ExecutionException");
    }
}
