package dev.tnorders.opentact.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesFunction;


/**
 * The bundle's settings, declared once: {@code opentact-defaults.properties} in this jar holds
 * every {@code opentact.*} key the routes, their beans and the Kamelet read, with its default.
 * The routes read a key as {@code {{setting:opentact.order.poll-interval-ms}}}: the value the
 * host set (its properties, an environment variable, {@code -D}) when there is one, else the
 * default there. The same in every runtime: Camel finds this function through
 * {@code META-INF/services/org/apache/camel/properties-function/setting}.
 */
public class OpentactSettings implements PropertiesFunction, CamelContextAware {

    public static final String DEFAULTS = "/dev/tnorders/opentact/opentact-defaults.properties";
    private static final Properties DEFAULT_VALUES = load();

    /** Declared unset; read as the host name then ({@link HostInstanceId#current()}). */
    static final String INSTANCE_ID = "opentact.inbox.instance-id";

    private CamelContext camelContext;

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = OpentactSettings.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS + " is missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The declared default of a key; null when the key is not declared. */
    public static String defaultOf(String key) {
        return DEFAULT_VALUES.getProperty(key);
    }

    @Override
    public String getName() {
        return "setting";
    }

    @Override
    public String apply(String key) {
        String k = key.strip();
        String declared = defaultOf(k);
        if (declared == null) {
            throw new IllegalArgumentException("{{setting:" + k + "}}: " + k + " is not declared in " + DEFAULTS);
        }
        // As a placeholder reads it (the host's properties, environment variables, -D), else the default.
        String value = camelContext == null ? declared
                : camelContext.resolvePropertyPlaceholders("{{" + k + ":" + declared + "}}");
        if (INSTANCE_ID.equals(k) && (value == null || value.isBlank())) {
            // Unset: the host name (the route's claim folder and the InboxClaims bean must agree).
            return HostInstanceId.current();
        }
        return value;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
