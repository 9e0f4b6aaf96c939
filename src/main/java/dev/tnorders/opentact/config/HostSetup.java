package dev.tnorders.opentact.config;

import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Ordered;
import org.apache.camel.spi.LoadablePropertiesSource;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaEnvironment;

/**
 * The first bean of beans.camel.yaml: what the bundle sets up in the Camel context it joins, in any
 * runtime.
 *
 * <ul>
 * <li>The camel-kafka component's environment variables ({@code CAMEL_COMPONENT_KAFKA_BROKERS}, the
 * security ones: {@link KafkaEnvironment}) become a source of Camel properties, ranked above the
 * properties files as Camel ranks the environment. Camel Main creates the YAML beans before it
 * configures the components from the properties (it pre-parses the route files), so the routes'
 * {@code kafka:} endpoints get them as from {@code application.properties}. Spring Boot and Quarkus
 * bind the variables themselves; there the source says the same.</li>
 * <li>It counts how often the file's beans were built in this context: Camel Main 4.18's YAML loader
 * builds them a second time when another route file of the include pattern is loaded before
 * beans.camel.yaml (docs/embedding.md). The second time is logged as a warning naming the fix.</li>
 * </ul>
 */
public class HostSetup implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(HostSetup.class);
    /** The name of the properties source, as Camel's configuration summary shows it. */
    public static final String SOURCE = "opentact-env";
    private static final Map<CamelContext, AtomicInteger> BUILT = Collections.synchronizedMap(new WeakHashMap<>());

    private CamelContext camelContext;

    @Override
    public synchronized void setCamelContext(CamelContext camelContext) {
        if (camelContext == null || camelContext == this.camelContext) {
            return; // Camel hands the context to a bean more than once (injector, registry)
        }
        this.camelContext = camelContext;
        int built = BUILT.computeIfAbsent(camelContext, c -> new AtomicInteger()).incrementAndGet();
        if (built > 1) {
            LOG.warn("The bundle's beans (beans.camel.yaml) were built {} times in Camel context '{}': include "
                    + "classpath:dev/tnorders/opentact/beans.camel.yaml first in camel.main.routes-include-pattern, "
                    + "before any other route file (docs/embedding.md)", built, camelContext.getName());
        }
        PropertiesComponent pc = camelContext.getPropertiesComponent();
        if (pc.getPropertiesSource(SOURCE) == null) {
            pc.addPropertiesSource(new EnvironmentSource(KafkaEnvironment.properties(System.getenv())));
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** How many times beans.camel.yaml's beans were built in this bean's Camel context (1 as it should be). */
    public int beansBuilt() {
        AtomicInteger built = camelContext == null ? null : BUILT.get(camelContext);
        return built == null ? 0 : built.get();
    }

    /** Fixed properties, read once: the environment does not change while the JVM runs. */
    static final class EnvironmentSource implements LoadablePropertiesSource, Ordered {

        private final Properties properties;

        EnvironmentSource(Properties properties) {
            this.properties = properties;
        }

        @Override
        public String getName() {
            return SOURCE;
        }

        @Override
        public String getProperty(String name) {
            return properties.getProperty(name);
        }

        @Override
        public Properties loadProperties() {
            Properties copy = new Properties();
            copy.putAll(properties);
            return copy;
        }

        @Override
        public Properties loadProperties(Predicate<String> filter) {
            Properties copy = new Properties();
            for (String name : properties.stringPropertyNames()) {
                if (filter.test(name)) {
                    copy.setProperty(name, properties.getProperty(name));
                }
            }
            return copy;
        }

        @Override
        public void reloadProperties(String location) {
            // nothing to reload: the environment is fixed
        }

        /** Above the properties files (Camel's own are ordered 100 and up), as Camel ranks the environment. */
        @Override
        public int getOrder() {
            return 10;
        }
    }
}
