package dev.tnorders.opentact.hosttest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;

import dev.tnorders.opentact.config.RequiredAcls;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;
import dev.tnorders.opentact.standalone.LocalCertificates;

import static org.awaitility.Awaitility.await;

/**
 * A secured deployment for a host test: a broker with SASL_SSL, a SCRAM-SHA-512 user, a private CA and
 * a client certificate (the listener requires one), Kafka's StandardAuthorizer with only the ACLs of
 * the library's docs/secured-kafka.md ({@link RequiredAcls}) named for the host's topics and groups
 * (its application.properties), the topics made beforehand as an operator would (the host may create
 * only its journal); and the Opentact sandbox over HTTP. The host gets it all as settings
 * ({@link #hostSettings}): camel.component.kafka.* and opentact.*, what a deployment gives as
 * CAMEL_COMPONENT_KAFKA_* and OPENTACT_* variables.
 */
public final class SecuredHostDeployment implements AutoCloseable {

    private static final Duration WAIT = HostDeployment.WAIT;

    private final Path work;
    private final String user;
    private final String password;
    private final String storePassword;
    private final String token;
    private EmbeddedKafkaBroker.Tls tls;
    private Path clientKeystore;
    private EmbeddedKafkaBroker broker;
    private OpentactSandbox sandbox;

    private SecuredHostDeployment(Path work, String host) {
        this.work = work;
        this.user = host + "-orders";
        this.password = host + "-orders-pw-7Hn";
        this.storePassword = host + "-store-pw-2Vb";
        this.token = host + "-token";
    }

    /**
     * Starts it for a host named {@code host} (its Kafka user is {@code <host>-orders}, its client
     * certificate's CN {@code <host>-host}) whose topics and groups are those of the
     * application.properties on {@code hostTest}'s class path; returns once the broker lists the
     * user's ACLs and the user logs in.
     *
     * @param work a folder of the test's for the certificates and the host's CSV folders
     */
    public static SecuredHostDeployment start(Path work, String host, Class<?> hostTest) throws Exception {
        SecuredHostDeployment d = new SecuredHostDeployment(work, host);
        try {
            d.start(applicationProperties(hostTest), host + "-host");
            return d;
        } catch (Exception | Error e) {
            d.close();
            throw e;
        }
    }

    private void start(Properties hostSettings, String certificateName) throws Exception {
        Path certs = work.resolve("certs");
        tls = LocalCertificates.make(certs, storePassword).withClientAuth();
        clientKeystore = LocalCertificates.client(certs, storePassword, certificateName);
        broker = EmbeddedKafkaBroker.startTemporarySasl("admin", "admin-pw-Q4", true, tls);
        broker.createScramUser(user, password);
        String principal = "User:" + user;
        List<RequiredAcls.Acl> acls = RequiredAcls.forSettings(hostSettings::getProperty);
        try (Admin admin = Admin.create(broker.adminClientProperties())) {
            admin.createTopics(RequiredAcls.topicsToCreate(acls).stream()
                    .map(t -> new NewTopic(t, Optional.empty(), Optional.empty())).toList()).all()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            var bindings = RequiredAcls.bindings(acls, principal);
            admin.createAcls(bindings).all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            // The broker's authorizer learns the ACLs from the metadata log a moment after the
            // controller's answer: wait until the broker lists them all.
            var mine = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY));
            await().atMost(WAIT).ignoreExceptions().until(() -> admin.describeAcls(mine).values()
                    .get(5, TimeUnit.SECONDS).size() >= bindings.size());
        }
        // A SCRAM credential reaches the broker's authenticator a moment after the admin's answer.
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            try (Admin u = Admin.create(userClient())) {
                return !u.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
            }
        });
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
    }

    /** The host's own settings, as its application.properties names its topics and groups. */
    private static Properties applicationProperties(Class<?> hostTest) throws IOException {
        Properties p = new Properties();
        try (InputStream in = hostTest.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("no application.properties on the class path of " + hostTest.getName());
            }
            p.load(in);
        }
        return p;
    }

    /** The deployment's Kafka security, as camel-kafka's component options (camel.component.kafka.<option>). */
    public Map<String, String> kafkaSecurity(String password) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("security-protocol", "SASL_SSL");
        o.put("sasl-mechanism", "SCRAM-SHA-512");
        o.put("sasl-jaas-config", EmbeddedKafkaBroker.scramJaasConfig(user, password));
        o.put("ssl-truststore-location", tls.truststore().toString());
        o.put("ssl-truststore-password", storePassword);
        o.put("ssl-truststore-type", "PKCS12");
        o.put("ssl-keystore-location", clientKeystore.toString());
        o.put("ssl-keystore-password", storePassword);
        o.put("ssl-key-password", storePassword);
        o.put("ssl-keystore-type", "PKCS12");
        return o;
    }

    /**
     * Everything the deployment gives the host, logging in with {@code password} (the user's, or a
     * wrong one), as settings (key, value): the broker's address and security, one more Kafka client
     * property passed through as camel-kafka's additional-properties, the sandbox, the CSV folders, quick polls.
     */
    public Map<String, String> hostSettings(String password) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("camel.component.kafka.brokers", broker.bootstrapServers());
        kafkaSecurity(password).forEach((option, value) -> s.put("camel.component.kafka." + option, value));
        s.put("camel.component.kafka.additional-properties[client.dns.lookup]", "use_all_dns_ips");
        s.put("opentact.api.base-url", sandbox.baseUrl());
        s.put("opentact.api.token", token);
        s.put("opentact.inbox.dir", work.resolve("inbox").toString());
        s.put("opentact.outbox.dir", work.resolve("outbox").toString());
        s.put("opentact.order.poll-interval-ms", "100");
        s.put("opentact.order.poll-max-interval-ms", "500");
        return s;
    }

    /** The settings with the user's own password. */
    public Map<String, String> hostSettings() {
        return hostSettings(password);
    }

    /** The host's user, CA and certificate as Kafka client properties. */
    public Properties userClient() {
        return new KafkaClientSettings(broker.bootstrapServers(), kafkaSecurity(password)).clientProperties(null);
    }

    /** A client of the broker's admin user (every right), for the test to read the host's topics. */
    public Properties adminClient() {
        return broker.adminClientProperties();
    }

    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public OpentactSandbox sandbox() {
        return sandbox;
    }

    /** The host's client certificate and key (PKCS12), as ssl.keystore.location. */
    public Path clientKeystore() {
        return clientKeystore;
    }

    @Override
    public void close() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
