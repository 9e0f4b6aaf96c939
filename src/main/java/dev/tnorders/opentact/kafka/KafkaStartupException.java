package dev.tnorders.opentact.kafka;

/**
 * A Kafka client of the bundle could not do what it needs at start, said for a person: which
 * client, what it tried, at which brokers with which protocol, and why (with what to check).
 * The message never holds a secret of the settings.
 */
public class KafkaStartupException extends IllegalStateException {

    public KafkaStartupException(String message, Throwable cause) {
        super(message, cause);
    }

}
