package dev.tnorders.opentact.kafka;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaClientSettingsTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"orders\" password=\"s3cr3t-pw\";";

    @Test
    void theComponentsOptionsBecomeTheKafkaClientsProperties() {
        KafkaClientSettings s = new KafkaClientSettings("b1:9092,b2:9092");
        s.setSecurityProtocol("SASL_SSL");
        s.setSaslMechanism("PLAIN");
        s.setSaslJaasConfig(JAAS);
        s.setSslTruststoreLocation("/etc/trust.p12");
        s.setSslTruststorePassword("trust-pw");
        s.setSslTruststoreType("PKCS12");
        s.setSslKeystoreLocation("");
        s.setSslKeyPassword(" ");
        s.setSslEndpointAlgorithm(null);
        Properties p = s.clientProperties("c1");
        assertThat(p).containsEntry("bootstrap.servers", "b1:9092,b2:9092")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", JAAS).containsEntry("ssl.truststore.location", "/etc/trust.p12")
                .containsEntry("ssl.truststore.password", "trust-pw").containsEntry("ssl.truststore.type", "PKCS12")
                .containsEntry("client.id", "c1")
                .doesNotContainKeys("ssl.keystore.location", "ssl.key.password", "ssl.endpoint.identification.algorithm");
        assertThat(s.securityProtocol()).isEqualTo("SASL_SSL");
    }

    @Test
    void noSecurityIsPlaintextWithTheBrokersOnly() {
        KafkaClientSettings s = KafkaClientSettings.plain("127.0.0.1:9092");
        assertThat(s.clientProperties(null)).containsOnlyKeys("bootstrap.servers");
        assertThat(s.describe()).isEqualTo("127.0.0.1:9092 (security.protocol=PLAINTEXT)");
        assertThatThrownBy(() -> KafkaClientSettings.plain(" ")).hasMessageContaining("camel.component.kafka.brokers");
    }

    @Test
    void secretsNeverShowInToStringDescribeOrMaskedText() {
        KafkaClientSettings s = new KafkaClientSettings("b:9093", Map.of("securityProtocol", "SASL_PLAINTEXT",
                "sasl-mechanism", "PLAIN", "sasl-jaas-config", JAAS, "ssl-keystore-password", "ks-pw-123",
                "ssl-key-password", "key-pw-456"))
                .with("sasl.oauthbearer.client.secret", "oauth-secret-789").with("linger.ms", "5");
        String all = s + " " + s.describe();
        assertThat(all).doesNotContain("s3cr3t-pw", "ks-pw-123", "key-pw-456", "oauth-secret-789", "PlainLoginModule")
                .contains("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "linger.ms=5", "****");
        assertThat(s.mask("failed with " + JAAS + " and ks-pw-123; also password=\"other\" seen"))
                .doesNotContain("s3cr3t-pw", "ks-pw-123", "other").contains("****");
        assertThat(s.describe()).isEqualTo("b:9093 (security.protocol=SASL_PLAINTEXT, sasl.mechanism=PLAIN)");
    }

    @Test
    void aStartupErrorNamesClientActionBrokersAndCauseWithoutTheSecret() {
        KafkaClientSettings s = new KafkaClientSettings("b:9093", Map.of("security-protocol", "SASL_PLAINTEXT",
                "sasl-mechanism", "PLAIN", "sasl-jaas-config", JAAS));
        s.setStartupTimeoutMs(5000);
        KafkaStartupException auth = s.startupError("the order journal's admin client", "create the topic 'j'", new ExecutionException(new SaslAuthenticationException(
                        "Authentication failed: Invalid username or password (JAAS was " + JAAS + ")")));
        assertThat(auth.getMessage()).startsWith("Kafka: the order journal's admin client could not create the topic 'j' "
                        + "at b:9093 (security.protocol=SASL_PLAINTEXT, sasl.mechanism=PLAIN): authentication failed: "
                        + "SaslAuthenticationException: Authentication failed: Invalid username or password")
                .doesNotContain("s3cr3t-pw");
        KafkaStartupException timeout = s.startupError("the order journal's consumer", "read the topic 'j'",
                new TimeoutException("Timeout expired"));
        assertThat(timeout.getMessage()).contains("no answer within 5000 ms (opentact.kafka.startup-timeout-ms)");
    }

    @Test
    void readFromPropertyKeysAsCamelKafkaSpellsThem() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("camel.component.kafka.security-protocol", "SASL_PLAINTEXT");
        props.put("camel.component.kafka.saslMechanism", "SCRAM-SHA-512");
        props.put("camel.component.kafka.additional-properties[sasl.login.callback.handler.class]", "x.Handler");
        props.put("camel.component.kafka.additionalProperties[request.timeout.ms]", "9000");
        props.put("camel.component.kafka.brokers", "ignored-here");
        props.put("opentact.kafka.startup-timeout-ms", "1234");
        KafkaClientSettings s = KafkaClientSettings.from("b:1", props::get, props.keySet());
        assertThat(s.clientProperties(null)).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.login.callback.handler.class", "x.Handler")
                .containsEntry("request.timeout.ms", "9000").hasSize(5);
        assertThat(s.startupTimeoutMs()).isEqualTo(1234);
    }

    @Test
    void theCamelContextsPropertiesAddAdditionalPropertiesAndCamelCaseOptions() {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties initial = new Properties();
        initial.setProperty("camel.component.kafka.additional-properties[sasl.login.callback.handler.class]", "y.Handler");
        initial.setProperty("camel.component.kafka.saslJaasConfig", JAAS);
        initial.setProperty("camel.component.kafka.sasl-mechanism", "SCRAM-SHA-256");
        context.getPropertiesComponent().setInitialProperties(initial);
        KafkaClientSettings s = new KafkaClientSettings("b:1", Map.of("security-protocol", "SASL_PLAINTEXT",
                "sasl-mechanism", "PLAIN"));
        s.setCamelContext(context);
        assertThat(s.clientProperties(null)).containsEntry("sasl.login.callback.handler.class", "y.Handler")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("sasl.mechanism", "PLAIN"); // what the constructor got wins
        assertThat(s.toString()).doesNotContain("s3cr3t-pw");
    }

    @Test
    void additionalPropertiesBoundToTheKafkaComponentCountTooAsSpringBootBindsThem() {
        DefaultCamelContext context = new DefaultCamelContext();
        KafkaComponent kafka = new KafkaComponent();
        kafka.getConfiguration().setAdditionalProperties(new HashMap<>(Map.of("client.dns.lookup", "use_all_dns_ips",
                "sasl.login.callback.handler.class", "from.the.Component")));
        context.addComponent("kafka", kafka);
        Properties initial = new Properties();
        initial.setProperty("camel.component.kafka.additional-properties[sasl.login.callback.handler.class]", "y.Handler");
        context.getPropertiesComponent().setInitialProperties(initial);
        KafkaClientSettings s = new KafkaClientSettings("b:1", Map.of());
        s.setCamelContext(context);
        assertThat(s.clientProperties(null)).containsEntry("client.dns.lookup", "use_all_dns_ips")
                .containsEntry("sasl.login.callback.handler.class", "y.Handler"); // the listed property wins
    }

    @Test
    void keysCoverEveryNamedOption() {
        assertThat(KafkaClientSettings.KEYS).hasSize(11).contains("camel.component.kafka.sasl-jaas-config",
                "camel.component.kafka.ssl-endpoint-algorithm");
        assertThat(List.of("saslJaasConfig", "ssl-key-password")).extracting(KafkaClientSettings::kebab)
                .containsExactly("sasl-jaas-config", "ssl-key-password");
    }
}
