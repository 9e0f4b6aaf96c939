package dev.tnorders.opentact.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.awaitility.Awaitility;

import dev.tnorders.opentact.config.RequiredAcls;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the secured-Kafka ITs share: SCRAM clients and apps, a trust store, the required ACLs, the whole flow, waiting for a login, clean-up. */
public final class SecuredKafka {

    private static final String MECHANISM = "SCRAM-SHA-512";

    private SecuredKafka() {
    }

    /** A Kafka client of the broker logging in as a SCRAM user over {@code protocol}. */
    public static Properties scramClient(EmbeddedKafkaBroker broker, String protocol, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("security.protocol", protocol);
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", EmbeddedKafkaBroker.scramJaasConfig(user, password));
        return p;
    }

    /** The client trusting the CA in this PKCS12 trust store. */
    public static Properties trusting(Properties client, Path truststore, String storePassword) {
        client.put("ssl.truststore.location", truststore.toString());
        client.put("ssl.truststore.password", storePassword);
        client.put("ssl.truststore.type", "PKCS12");
        return client;
    }

    /** The app on the broker as a SCRAM user over {@code protocol}, configured through camel.component.kafka.* only. */
    public static RunningApp scramApp(RunningApp app, String protocol, String user, String password) {
        return app.with("camel.component.kafka.security-protocol", protocol)
                .with("camel.component.kafka.sasl-mechanism", MECHANISM)
                .with("camel.component.kafka.sasl-jaas-config", EmbeddedKafkaBroker.scramJaasConfig(user, password));
    }

    /** The app trusting the CA in this PKCS12 trust store. */
    public static RunningApp trusting(RunningApp app, Path truststore, String storePassword) {
        return app.with("camel.component.kafka.ssl-truststore-location", truststore.toString())
                .with("camel.component.kafka.ssl-truststore-password", storePassword)
                .with("camel.component.kafka.ssl-truststore-type", "PKCS12");
    }

    /**
     * Exactly the ACLs docs/secured-kafka.md lists ({@link RequiredAcls}, which a test checks against
     * the table) for the app's names, and the topics an operator makes beforehand (the app creates its journal).
     */
    public static void grantRequiredAcls(Properties admin, RunningApp app, String principal) throws Exception {
        List<RequiredAcls.Acl> acls = RequiredAcls.forSettings(app.properties()::get);
        try (Admin a = Admin.create(admin)) {
            a.createTopics(RequiredAcls.topicsToCreate(acls).stream()
                    .map(t -> new NewTopic(t, Optional.empty(), Optional.empty())).toList()).all()
                    .get(30, TimeUnit.SECONDS);
            var bindings = RequiredAcls.bindings(acls, principal);
            a.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            awaitAcls(a, principal, bindings.size());
        }
    }

    /**
     * The controller accepted the ACLs; the broker's authorizer learns them from the metadata log a
     * moment later (a start right after the grant was refused: TopicAuthorizationException). The
     * broker answers describeAcls from its own authorizer: wait until it lists them all.
     */
    static void awaitAcls(Admin a, String principal, int count) {
        var filter = new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null,
                        AclOperation.ANY, AclPermissionType.ANY));
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> a.describeAcls(filter).values().get(5, TimeUnit.SECONDS).size() >= count);
    }

    /**
     * The whole flow through a secured broker: a Kafka request and a CSV file in, both outcomes, the
     * numbers and the journal out, the CSV's results file (which the file-results route reads off
     * the numbers topic), and readiness UP (the health check's admin client).
     *
     * @param client a client of the test with rights to the app's topics
     * @param tns    two numbers the sandbox sells: the first ordered from Kafka, the second from the CSV
     */
    public static void assertWholeFlow(RunningApp app, Properties client, String requestId, String... tns) throws Exception {
        TopicProbe.send(client, app.topic("requests"), requestId,
                "{\"request_id\": \"" + requestId + "\", \"tns\": [\"" + tns[0] + "\"]}");
        Files.createDirectories(app.inbox);
        Files.writeString(app.inbox.resolve("secured.csv"), "request_id,tn\n" + requestId + "-csv," + tns[1] + "\n");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(client, app.topic("outcomes"), 2, SandboxAndApp.WAIT,
                SandboxAndApp.SETTLE);
        assertThat(outcomes).extracting(TopicProbe.Rec::key)
                .containsExactlyInAnyOrder(requestId, requestId + "-csv");
        assertThat(outcomes).allSatisfy(o ->
                assertThat(o.value()).containsEntry("state", "completed"));
        assertThat(TopicProbe.read(client, app.topic("numbers"), 2, SandboxAndApp.WAIT,
                SandboxAndApp.SETTLE)).hasSize(2).allSatisfy(n ->
                assertThat(n.value()).containsEntry("state", "ordered"));
        assertThat(TopicProbe.read(client, app.topic("journal"), 4, SandboxAndApp.WAIT,
                SandboxAndApp.SETTLE)).extracting(r -> r.get("phase")).contains("intent", "placed", "done");
        Path results = app.outbox.resolve("secured.csv.results.csv");
        await().atMost(SandboxAndApp.WAIT).untilAsserted(() -> assertThat(results).exists()
                .satisfies(r -> assertThat(Files.readAllLines(r)).hasSize(2)));
        await().atMost(SandboxAndApp.WAIT).untilAsserted(() -> assertThat(
                HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + app.managementPort + "/observe/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
    }

    /**
     * Waits until the client logs in: a SCRAM credential reaches the broker a moment after the
     * admin's answer. Authorised or not (a broker with ACLs), a logged-in client gets an answer.
     */
    public static void awaitLogin(Supplier<Properties> client) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Admin admin = Admin.create(client.get())) {
                return !admin.describeCluster().nodes().get().isEmpty();
            } catch (ExecutionException e) {
                return e.getCause() instanceof AuthorizationException;
            }
        });
    }

    /** Stops the broker (if it started) and deletes the test's certificates. */
    public static void stop(EmbeddedKafkaBroker broker, Path certs) throws Exception {
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
