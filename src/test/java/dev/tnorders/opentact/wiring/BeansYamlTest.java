package dev.tnorders.opentact.wiring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.DefaultRegistry;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.intake.AdaptiveInFlight;
import dev.tnorders.opentact.intake.CsvOutbox;
import dev.tnorders.opentact.intake.InboxClaims;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * beans.camel.yaml as Camel's YAML loader reads it (the same in every host): no value set by position,
 * and every bean built, with the values its settings name. The beans' init methods are not run (they
 * would connect to Kafka): the registry binds them without.
 */
class BeansYamlTest {

    private static final String BEANS = "dev/tnorders/opentact/beans.camel.yaml";

    @Test
    void noBeanTakesArgumentsByPosition() throws IOException {
        String text;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(BEANS)) {
            assertThat(in).as(BEANS).isNotNull();
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(text).doesNotContain("constructors:").doesNotContainPattern("\"\\d+\":");
    }

    @Test
    void everyBeanIsBuiltWithItsSettings() throws Exception {
        Properties settings = new Properties();
        settings.setProperty("camel.component.kafka.brokers", "127.0.0.1:1");
        settings.setProperty("opentact.api.base-url", "http://127.0.0.1:1");
        settings.setProperty("opentact.inbox.instance-id", "crm-7");
        settings.setProperty("opentact.inbox.claim-max-files", "3");
        settings.setProperty("opentact.kafka.max-poll-records", "40");
        settings.setProperty("opentact.kafka.max-in-flight", "900");
        settings.setProperty("opentact.kafka.adaptive-in-flight", "false");
        settings.setProperty("opentact.kafka.startup-timeout-ms", "1234");
        settings.setProperty("camel.component.kafka.security-protocol", "SASL_SSL");
        try (DefaultCamelContext context = new DefaultCamelContext(new WithoutInitMethods())) {
            context.getPropertiesComponent().setInitialProperties(settings);
            Resource beans = PluginHelper.getResourceLoader(context).resolveResource("classpath:" + BEANS);
            PluginHelper.getRoutesLoader(context).loadRoutes(beans);
            try {
                for (String name : new String[] {"requestValidator", "orderSink", "csvOutbox", "csvIntake", "inboxNames",
                        "inboxClaims", "opentactAuth", "opentactPayloads", "followPolicy", "numberSearch",
                        "kafkaClientSettings", "fileEnds", "orderJournal", "opentactRateShare", "opentactApi",
                        "opentactClient", "orderReconciler", "budgets", "batchIntake", "orderPlanner", "authProbe",
                        "operatorCommands", "inFlightLimit", "opentactCallThreads", "orderMetrics", "publishedOutcomes",
                        "intakeHealthCheck", "journalHealthCheck", "opentactHealthCheck", "kafkaHealthCheck",
                        "orderLifecycle", "orderCaseThreads", "requestConsumers", "requestConsumersHealthCheck"}) {
                    assertThat(context.getRegistry().lookupByName(name)).as(name).isNotNull();
                }
                InboxClaims claims = context.getRegistry().lookupByNameAndType("inboxClaims", InboxClaims.class);
                assertThat(claims.instanceId()).isEqualTo("crm-7");
                AdaptiveInFlight inFlight = context.getRegistry().lookupByNameAndType("inFlightLimit",
                        AdaptiveInFlight.class);
                assertThat(inFlight.cap()).isEqualTo(900);
                assertThat(inFlight.floor()).isEqualTo(40);
                assertThat(inFlight.enabled()).isFalse();
                KafkaClientSettings kafka = context.getRegistry().lookupByNameAndType("kafkaClientSettings",
                        KafkaClientSettings.class);
                assertThat(kafka.brokers()).isEqualTo("127.0.0.1:1");
                assertThat(kafka.startupTimeoutMs()).isEqualTo(1234);
                assertThat(kafka.securityProtocol()).isEqualTo("SASL_SSL");
            } finally {
                for (String pool : new String[] {"opentactCallThreads", "orderCaseThreads"}) {
                    ExecutorService threads = context.getRegistry().lookupByNameAndType(pool, ExecutorService.class);
                    if (threads != null) {
                        threads.shutdownNow();
                    }
                }
            }
        }
    }

    @Test
    void aMisspeltOrMissingArgumentIsNamed() throws Exception {
        inFreshThread(() -> {
            BeanBuilders.InboxNamesBuilder builder = new BeanBuilders.InboxNamesBuilder();
            builder.put("inboxDirs", "/tmp/in");
            assertThatThrownBy(builder::build).hasMessage("InboxNames needs its inboxDir");
            builder.put("inboxDir", "/tmp/in");
            assertThatThrownBy(builder::build).hasMessage("InboxNames takes no argument named inboxDirs");
            OrderBuilders.NumberSearchBuilder pages = new OrderBuilders.NumberSearchBuilder();
            pages.put("maxPages", "many");
            assertThatThrownBy(pages::build).hasMessage("NumberSearch's maxPages must be a whole number, was many");
        });
    }

    /** Camel's second try of a bean that failed gets the names the first try took from the first one. */
    @Test
    void aSecondTryGetsTheFirstOnesArguments() throws Exception {
        inFreshThread(() -> {
            BeanBuilders.CsvIntakeBuilder first = new BeanBuilders.CsvIntakeBuilder();
            first.put("chunkSize", "0");
            first.put("progressEveryMs", "5");
            first.put("progressEveryRows", "5");
            first.put("validator", new RequestValidator());
            assertThatThrownBy(first::build).hasMessage("CsvIntake needs its outbox");
            BeanBuilders.CsvIntakeBuilder second = new BeanBuilders.CsvIntakeBuilder();
            second.put("outbox", new CsvOutbox("/tmp/out"));
            assertThatThrownBy(second::build).hasMessageContaining("opentact.inbox.chunk-size must be at least 1");
        });
    }

    private static void inFreshThread(Runnable test) throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                test.run();
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.start();
        t.join(30_000);
        assertThat(t.isAlive()).as("still running").isFalse();
        if (failed.get() instanceof AssertionError e) {
            throw e;
        }
        assertThat(failed.get()).isNull();
    }

    /**
     * The journal's start fails once (no Kafka yet): Camel builds it again, a new journal from the same
     * arguments (the first try took them out of the YAML's definition).
     */
    @Test
    void aBeanWhoseStartFailedIsBuiltAgainFromTheSameArguments() throws Exception {
        WithoutInitMethods registry = new WithoutInitMethods();
        registry.failOnce = "orderJournal";
        Properties settings = new Properties();
        settings.setProperty("camel.component.kafka.brokers", "127.0.0.1:1");
        settings.setProperty("opentact.api.base-url", "http://127.0.0.1:1");
        try (DefaultCamelContext context = new DefaultCamelContext(registry)) {
            context.getPropertiesComponent().setInitialProperties(settings);
            Resource beans = PluginHelper.getResourceLoader(context).resolveResource("classpath:" + BEANS);
            try {
                PluginHelper.getRoutesLoader(context).loadRoutes(beans);
                assertThat(registry.failed).isNotNull();
                assertThat(context.getRegistry().lookupByName("orderJournal")).isNotNull().isNotSameAs(registry.failed);
            } finally {
                for (String pool : new String[] {"opentactCallThreads", "orderCaseThreads"}) {
                    ExecutorService threads = context.getRegistry().lookupByNameAndType(pool, ExecutorService.class);
                    if (threads != null) {
                        threads.shutdownNow();
                    }
                }
            }
        }
    }

    /** Binds as the YAML asks but runs no init method (no Kafka here); may fail one bean's first bind. */
    private static final class WithoutInitMethods extends DefaultRegistry {
        String failOnce;
        Object failed;

        @Override
        public void bind(String id, Object bean, String initMethod, String destroyMethod) {
            if (id.equals(failOnce) && failed == null) {
                failed = bean;
                throw new IllegalStateException(id + "'s start failed (the test's)");
            }
            bind(id, bean);
        }
    }
}
