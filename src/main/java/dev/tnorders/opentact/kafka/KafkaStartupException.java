package dev.tnorders.opentact.kafka;

import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * A Kafka client of the bundle could not do what it needs at start, said for a person: which
 * client, what it tried, at which brokers with which protocol, and why (with what to check).
 * The message never holds a secret of the settings.
 */
public class KafkaStartupException extends IllegalStateException {

    public KafkaStartupException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @param client   e.g. "the order journal's admin client"
     * @param action   e.g. "create the topic 'x'"
     * @param error    what the client threw (an ExecutionException is unwrapped), or null for a timeout
     */
    public static KafkaStartupException of(String client, String action, KafkaClientSettings settings,
                                           Throwable error) {
        Throwable cause = error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
        String why;
        if (cause == null || cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            why = "no answer within " + settings.startupTimeoutMs() + " ms (" + KafkaClientSettings.STARTUP_TIMEOUT_KEY
                    + "): check that the brokers are reachable from here and that security.protocol matches the "
                    + "broker's listener (a client speaking PLAINTEXT to a SASL or SSL listener, or the reverse, "
                    + "waits without an error)";
        } else if (cause instanceof SslAuthenticationException) {
            why = "TLS handshake failed: " + text(cause) + " (check the truststore holds the broker's CA, "
                    + "ssl-endpoint-algorithm against the broker's host name, and the keystore for mTLS)";
        } else if (cause instanceof AuthenticationException) {
            why = "authentication failed: " + text(cause) + " (check sasl-mechanism and the user and password "
                    + "in sasl-jaas-config)";
        } else if (cause instanceof AuthorizationException) {
            why = "not authorised: " + text(cause) + " (the principal lacks an ACL; docs/secured-kafka.md lists "
                    + "the ones needed)";
        } else {
            why = text(cause);
        }
        String message = "Kafka: " + client + " could not " + action + " at " + settings.describe() + ": " + why;
        return new KafkaStartupException(settings.mask(message), null);
    }

    private static String text(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
