package dev.tnorders.opentact.kafka;

import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaEnvironmentTest {

    @Test
    void theComponentsVariablesBecomeItsKeysInCamelsNaming() {
        assertThat(KafkaEnvironment.properties(Map.of(
                "CAMEL_COMPONENT_KAFKA_BROKERS", "127.0.0.1:9092",
                "CAMEL_COMPONENT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "CAMEL_COMPONENT_KAFKA_SASL_JAAS_CONFIG", "x required;",
                "CAMEL_COMPONENT_KAFKA_SSL_ENDPOINT_ALGORITHM", "https")))
                .containsOnly(
                        Map.entry("camel.component.kafka.brokers", "127.0.0.1:9092"),
                        Map.entry("camel.component.kafka.security-protocol", "SASL_SSL"),
                        Map.entry("camel.component.kafka.sasl-jaas-config", "x required;"),
                        Map.entry("camel.component.kafka.ssl-endpoint-algorithm", "https"));
    }

    @Test
    void otherVariablesAndBlankValuesAreLeftOut() {
        assertThat(KafkaEnvironment.properties(Map.of(
                "OPENTACT_API_TOKEN", "secret",
                "CAMEL_COMPONENT_HTTP_CONNECT_TIMEOUT", "5",
                "CAMEL_COMPONENT_KAFKA_", "nothing",
                "CAMEL_COMPONENT_KAFKA_SASL_MECHANISM", " "))).isEmpty();
    }

    @Test
    void quarkusIsToldTheRealNameOfEveryMultiWordOption() throws Exception {
        // META-INF/microprofile-config.properties: without a declared key SmallRye Config lists
        // CAMEL_COMPONENT_KAFKA_SECURITY_PROTOCOL as camel.component.kafka.security.protocol.
        Properties declared = new Properties();
        try (InputStream in = KafkaEnvironmentTest.class.getResourceAsStream("/META-INF/microprofile-config.properties")) {
            declared.load(in);
        }
        assertThat(declared.stringPropertyNames()).containsExactlyInAnyOrderElementsOf(KafkaClientSettings.KEYS);
        assertThat(declared.values()).allMatch(""::equals);
    }
}
