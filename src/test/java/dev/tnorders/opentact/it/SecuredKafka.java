package dev.tnorders.opentact.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;

import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.awaitility.Awaitility.await;

/** What the secured-Kafka ITs share: SCRAM clients and apps, a trust store, waiting for a login, clean-up. */
final class SecuredKafka {

    private static final String MECHANISM = "SCRAM-SHA-512";

    private SecuredKafka() {
    }

    /** A Kafka client of the broker logging in as a SCRAM user over {@code protocol}. */
    static Properties scramClient(EmbeddedKafkaBroker broker, String protocol, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("security.protocol", protocol);
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", EmbeddedKafkaBroker.scramJaasConfig(user, password));
        return p;
    }

    /** The client trusting the CA in this PKCS12 trust store. */
    static Properties trusting(Properties client, Path truststore, String storePassword) {
        client.put("ssl.truststore.location", truststore.toString());
        client.put("ssl.truststore.password", storePassword);
        client.put("ssl.truststore.type", "PKCS12");
        return client;
    }

    /** The app on the broker as a SCRAM user over {@code protocol}, configured through camel.component.kafka.* only. */
    static RunningApp scramApp(RunningApp app, String protocol, String user, String password) {
        return app.with("camel.component.kafka.security-protocol", protocol)
                .with("camel.component.kafka.sasl-mechanism", MECHANISM)
                .with("camel.component.kafka.sasl-jaas-config", EmbeddedKafkaBroker.scramJaasConfig(user, password));
    }

    /** The app trusting the CA in this PKCS12 trust store. */
    static RunningApp trusting(RunningApp app, Path truststore, String storePassword) {
        return app.with("camel.component.kafka.ssl-truststore-location", truststore.toString())
                .with("camel.component.kafka.ssl-truststore-password", storePassword)
                .with("camel.component.kafka.ssl-truststore-type", "PKCS12");
    }

    /** Waits until the client logs in: a SCRAM credential reaches the broker a moment after the admin's answer. */
    static void awaitLogin(Supplier<Properties> client) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Admin admin = Admin.create(client.get())) {
                return !admin.describeCluster().nodes().get().isEmpty();
            }
        });
    }

    /** Stops the broker (if it started) and deletes the test's certificates. */
    static void stop(EmbeddedKafkaBroker broker, Path certs) throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (certs != null) {
            try (var files = Files.walk(certs)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
