package dev.tnorders.opentact.kafka;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The camel-kafka component's environment variables as its {@code camel.component.kafka.*} keys,
 * in Camel's own naming: {@code CAMEL_COMPONENT_KAFKA_BROKERS} → {@code camel.component.kafka.brokers},
 * {@code CAMEL_COMPONENT_KAFKA_SASL_JAAS_CONFIG} → {@code camel.component.kafka.sasl-jaas-config}.
 *
 * <p>Camel Main 4.18 applies none of them to the component itself (its auto-configuration logs
 * "Gathered 0 ENV variables to configure components": it looks for names starting with
 * {@code camel.component.} among upper-case ones), while the routes' placeholders and the
 * bundle's own Kafka clients read them: a host would start with the journal on the right broker
 * and the routes' endpoints on none. {@link dev.tnorders.opentact.config.HostSetup} offers these
 * to Camel as properties, so that the component gets them as from a properties file.
 */
public final class KafkaEnvironment {

    public static final String ENV_PREFIX = "CAMEL_COMPONENT_KAFKA_";

    private KafkaEnvironment() {
    }

    /** The component's variables among {@code env}, as its keys; a blank value counts as unset. */
    public static Properties properties(Map<String, String> env) {
        Properties answer = new Properties();
        env.forEach((name, value) -> {
            String upper = name.toUpperCase(Locale.ROOT);
            if (upper.startsWith(ENV_PREFIX) && upper.length() > ENV_PREFIX.length() && value != null
                    && !value.isBlank()) {
                String option = upper.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
                answer.setProperty(KafkaClientSettings.PREFIX + option, value);
            }
        });
        return answer;
    }
}
