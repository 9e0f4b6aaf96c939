package dev.tnorders.opentact.kafka;

import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Why a Kafka client of the bundle failed at start, in words that say what to check: no answer
 * (brokers, listener and protocol), the TLS handshake, the SASL login, a missing ACL
 * ({@link KafkaClientSettings#startupError} puts it after the client, its action and the brokers).
 */
final class StartupErrorWording {

    private StartupErrorWording() {
    }

    /**
     * @param error  what the client threw (an ExecutionException is unwrapped), or null for a timeout
     * @param waited how long the client waited, and the setting that says so
     */
    static String why(Throwable error, String waited) {
        Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
        String why;
        if (cause == null || cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            why = "no answer within " + waited
                    + ": check that the brokers are reachable from here and that security.protocol matches the "
                    + "broker's listener (a client speaking PLAINTEXT to a SASL or SSL listener, or the reverse, "
                    + "waits without an error)";
        } else if (cause instanceof SslAuthenticationException) {
            why = "TLS handshake failed: " + errorText(cause) + " (check the truststore holds the broker's CA, "
                    + "ssl-endpoint-algorithm against the broker's host name, and the keystore for mTLS)";
        } else if (cause instanceof AuthenticationException) {
            why = "authentication failed: " + errorText(cause) + " (check sasl-mechanism and the user and password "
                    + "in sasl-jaas-config)";
        } else if (cause instanceof AuthorizationException) {
            why = "not authorised: " + errorText(cause) + " (the principal lacks an ACL; docs/secured-kafka.md lists "
                    + "the ones needed)";
        } else {
            why = errorText(cause);
        }
        return why;
    }

    private static String errorText(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
