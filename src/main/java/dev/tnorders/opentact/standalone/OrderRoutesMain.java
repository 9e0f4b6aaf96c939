package dev.tnorders.opentact.standalone;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.KafkaStartupException;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.trace.otel.Tracing;

/**
 * Runs the routes standalone with Camel Main. Configuration comes from
 * {@code config/application.properties}, overridden by environment variables and system
 * properties. When no Kafka brokers are configured an embedded broker starts; when no Opentact
 * base URL is configured the sandbox starts. Both say so with a warning.
 */
public class OrderRoutesMain extends Main {

    private static final Logger LOG = LoggerFactory.getLogger(OrderRoutesMain.class);
    static final String BROKERS = "camel.component.kafka.brokers";
    static final String BASE_URL = "opentact.api.base-url";
    static final String TOKEN = "opentact.api.token";
    static final String SANDBOX_TOKEN = "sandbox-token";
    static final String TRACING = "opentact.tracing.enabled";
    /**
     * The bundle as a host includes it (docs/embedding.md): the beans first, so that Camel Main's YAML
     * loader builds them once, then the routes.
     */
    public static final String ROUTES = "classpath:dev/tnorders/opentact/beans.camel.yaml,"
            + "classpath:dev/tnorders/opentact/routes/*.camel.yaml";

    private EmbeddedKafkaBroker broker;
    private OpentactSandbox sandbox;

    public OrderRoutesMain() {
        this("file:config/application.properties;optional=true");
    }

    /** @param configLocations Camel property locations, e.g. {@code file:config/application.properties} */
    public OrderRoutesMain(String configLocations) {
        setPropertyPlaceholderLocations(configLocations);
        configure().withRoutesIncludePattern(ROUTES);
        addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport main) {
                CamelContext context = main.getCamelContext();
                boolean tracing = context.getPropertiesComponent().resolveProperty(TRACING)
                        .map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
                if (tracing) {
                    try {
                        // Loaded only here: without the switch no OpenTelemetry class is needed.
                        Tracing.install(context,
                                Tracing.autoConfigured());
                        LOG.info("Tracing is on ({}=true): spans go to the OTLP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT", TRACING);
                    } catch (Exception e) {
                        throw new IllegalStateException("Cannot start tracing (" + TRACING + "=true): " + e.getMessage(), e);
                    }
                }
            }

            @Override
            public void afterStop(BaseMainSupport main) {
                stopEmbedded();
            }
        });
    }

    /**
     * Runs until stopped. When the start fails (e.g. Kafka refuses the journal's clients: see
     * docs/secured-kafka.md) the reason is logged as one line and the process exits with status 1.
     */
    public static void main(String[] args) throws Exception {
        OrderRoutesMain main = new OrderRoutesMain();
        try {
            main.run(args);
        } catch (Exception e) {
            LOG.error("Not started: {}", reason(e));
            try {
                main.stopEmbedded();
            } finally {
                System.exit(1);
            }
        }
    }

    /** What to tell a person: the first KafkaStartupException of the chain, else the root cause. */
    static String reason(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KafkaStartupException) {
                return t.getMessage();
            }
            root = t;
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /**
     * The properties are readable here, before any component or route is configured. Environment
     * variables and system properties are applied explicitly to every key of the config file (and
     * to the contract's keys that the file leaves unset), because Camel Main does not map them on
     * its own for every kind of key (component options in particular).
     */
    @Override
    protected void configurePropertiesService(CamelContext camelContext) throws Exception {
        super.configurePropertiesService(camelContext);
        PropertiesComponent pc = camelContext.getPropertiesComponent();
        Properties overrides = getOverrideProperties() == null ? new Properties() : getOverrideProperties();
        Set<String> keys = new TreeSet<>(pc.loadProperties().stringPropertyNames());
        keys.addAll(List.of(BROKERS, BASE_URL, TOKEN, "opentact.embedded.kafka-dir"));
        // The Kafka security options (docs/secured-kafka.md), for the camel-kafka component and the
        // journal alike: CAMEL_COMPONENT_KAFKA_SASL_JAAS_CONFIG and so on, and any -D of the component
        // (camel.component.kafka.additional-properties[...] among them).
        keys.addAll(KafkaClientSettings.KEYS);
        keys.add(KafkaClientSettings.STARTUP_TIMEOUT_KEY);
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(KafkaClientSettings.PREFIX)) {
                keys.add(key);
            }
        }
        for (String key : keys) {
            String external = external(key);
            if (external != null && overrides.getProperty(key) == null) {
                overrides.setProperty(key, external);
            }
        }
        if (isUnset(pc, BROKERS)) {
            String dir = lookup(pc, "opentact.embedded.kafka-dir");
            broker = EmbeddedKafkaBroker.start(Path.of(dir == null ? "target/embedded-kafka" : dir), false);
            overrides.setProperty(BROKERS, broker.bootstrapServers());
            LOG.warn("{} is not set: started an embedded single-node Kafka broker at {} (for trying the routes out, "
                    + "not for production)", BROKERS, broker.bootstrapServers());
        }
        if (isUnset(pc, BASE_URL)) {
            String token = isUnset(pc, TOKEN) ? SANDBOX_TOKEN : lookup(pc, TOKEN);
            sandbox = OpentactSandbox.start(0, token);
            overrides.setProperty(BASE_URL, sandbox.baseUrl());
            overrides.setProperty(TOKEN, token);
            LOG.warn("{} is not set: started the built-in Opentact sandbox at {}. NO REAL ORDER IS PLACED.", BASE_URL,
                    sandbox.baseUrl());
        }
        setOverrideProperties(overrides);
        pc.setOverrideProperties(overrides);
    }

    private boolean isUnset(PropertiesComponent pc, String key) {
        String value = lookup(pc, key);
        return value == null || value.isBlank();
    }

    /**
     * A property as Camel Main will resolve it: override, then system property, then environment
     * variable (upper case, {@code .} and {@code -} as {@code _}), then the config file. Done by hand
     * because Camel's own resolver needs the type converter, which does not exist yet here.
     */
    private String lookup(PropertiesComponent pc, String key) {
        Properties overrides = getOverrideProperties();
        if (overrides != null && overrides.getProperty(key) != null) {
            return overrides.getProperty(key);
        }
        String external = external(key);
        return external != null ? external : pc.loadProperties().getProperty(key);
    }

    /** A system property, else an environment variable in Camel's mapping ({@code a.b-c} → {@code A_B_C}). */
    static String external(String key) {
        if (System.getProperty(key) != null) {
            return System.getProperty(key);
        }
        return System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }

    private void stopEmbedded() {
        if (sandbox != null) {
            sandbox.close();
            sandbox = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
