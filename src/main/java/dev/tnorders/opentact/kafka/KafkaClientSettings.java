package dev.tnorders.opentact.kafka;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What every Kafka client the bundle opens itself (the order journal's producer, consumer and
 * admin client, the Kafka health check, TopicTail) needs besides the brokers: the security
 * settings, read from the same keys as the camel-kafka component ({@code camel.component.kafka.*}),
 * so that one configuration serves the routes' endpoints and these clients alike.
 *
 * <p>The named options ({@link #OPTIONS}) come in through the constructor or the setters (beans.camel.yaml
 * names each, its builder calls the setter); any other Kafka client property comes from camel-kafka's
 * {@code camel.component.kafka.additional-properties[<kafka property>]=value}, read from Camel's
 * PropertiesComponent when the Camel context is set (so a host's configuration applies too).
 *
 * <p>Secrets (the JAAS config, passwords) never appear in {@link #toString()} or {@link #describe()};
 * {@link #mask(String)} removes them from any other text (an exception's message) before it is logged.
 */
public class KafkaClientSettings implements CamelContextAware {

    public static final String PREFIX = "camel.component.kafka.";
    public static final String ADDITIONAL = "additional-properties";
    public static final String STARTUP_TIMEOUT_KEY = "opentact.kafka.startup-timeout-ms";
    public static final long DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
    static final String MASK = "****";

    /** camel-kafka component option (as in {@code camel.component.kafka.<option>}) → Kafka client property. */
    public static final Map<String, String> OPTIONS;
    static {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("security-protocol", "security.protocol");
        o.put("sasl-mechanism", "sasl.mechanism");
        o.put("sasl-jaas-config", "sasl.jaas.config");
        o.put("ssl-truststore-location", "ssl.truststore.location");
        o.put("ssl-truststore-password", "ssl.truststore.password");
        o.put("ssl-truststore-type", "ssl.truststore.type");
        o.put("ssl-keystore-location", "ssl.keystore.location");
        o.put("ssl-keystore-password", "ssl.keystore.password");
        o.put("ssl-keystore-type", "ssl.keystore.type");
        o.put("ssl-key-password", "ssl.key.password");
        o.put("ssl-endpoint-algorithm", "ssl.endpoint.identification.algorithm");
        OPTIONS = Collections.unmodifiableMap(o);
    }

    /** The full property keys of the named options, {@code camel.component.kafka.security-protocol} and so on. */
    public static final List<String> KEYS = OPTIONS.keySet().stream().map(k -> PREFIX + k).toList();

    private final String brokers;
    /** Kafka client property → value, only those set. */
    private final Map<String, String> security = new LinkedHashMap<>();
    private final Map<String, String> additional = new LinkedHashMap<>();
    private long startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
    private CamelContext camelContext;

    /** Brokers only: a PLAINTEXT cluster (tools and tests). */
    public static KafkaClientSettings plain(String brokers) {
        return new KafkaClientSettings(brokers, Map.of());
    }

    /**
     * @param options camel-kafka option names ({@code sasl-jaas-config}, or camelCase
     *                {@code saslJaasConfig}) to values; blank values count as unset
     */
    public KafkaClientSettings(String brokers, Map<String, String> options) {
        if (brokers == null || brokers.isBlank()) {
            throw new IllegalArgumentException("no Kafka brokers (camel.component.kafka.brokers)");
        }
        this.brokers = brokers.trim();
        options.forEach((option, value) -> {
            String kafka = OPTIONS.get(kebab(option));
            if (kafka == null) {
                throw new IllegalArgumentException("not a Kafka security option: " + option);
            }
            if (value != null && !value.isBlank()) {
                security.put(kafka, value.trim());
            }
        });
    }

    /** As beans.camel.yaml makes it: the brokers; the options come through the setters below. */
    public KafkaClientSettings(String brokers) {
        this(brokers, Map.of());
    }

    /** Sets one named option (camel-kafka's name); blank: unset. */
    public synchronized void setOption(String option, String value) {
        String kafka = OPTIONS.get(kebab(option));
        if (kafka == null) {
            throw new IllegalArgumentException("not a Kafka security option: " + option);
        }
        if (value == null || value.isBlank()) {
            security.remove(kafka);
        } else {
            security.put(kafka, value.trim());
        }
    }

    // One setter per named option: beans.camel.yaml names each, its builder (wiring) calls these.
    public void setSecurityProtocol(String v) { setOption("security-protocol", v); }
    public void setSaslMechanism(String v) { setOption("sasl-mechanism", v); }
    public void setSaslJaasConfig(String v) { setOption("sasl-jaas-config", v); }
    public void setSslTruststoreLocation(String v) { setOption("ssl-truststore-location", v); }
    public void setSslTruststorePassword(String v) { setOption("ssl-truststore-password", v); }
    public void setSslTruststoreType(String v) { setOption("ssl-truststore-type", v); }
    public void setSslKeystoreLocation(String v) { setOption("ssl-keystore-location", v); }
    public void setSslKeystorePassword(String v) { setOption("ssl-keystore-password", v); }
    public void setSslKeystoreType(String v) { setOption("ssl-keystore-type", v); }
    public void setSslKeyPassword(String v) { setOption("ssl-key-password", v); }
    public void setSslEndpointAlgorithm(String v) { setOption("ssl-endpoint-algorithm", v); }

    /**
     * The settings as a property source holds them: {@code lookup} answers a full key
     * ({@code camel.component.kafka.sasl-jaas-config}) or null; {@code allKeys} are the keys it knows,
     * searched for {@code camel.component.kafka.additional-properties[...]} (TopicTail, tests).
     */
    public static KafkaClientSettings from(String brokers, Function<String, String> lookup, Iterable<String> allKeys) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : OPTIONS.keySet()) {
            String v = lookup.apply(PREFIX + option);
            if (v == null) {
                v = lookup.apply(PREFIX + camel(option));
            }
            options.put(option, v);
        }
        KafkaClientSettings s = new KafkaClientSettings(brokers, options);
        Map<String, String> extra = new LinkedHashMap<>();
        for (String key : allKeys) {
            String kafka = additionalKey(key);
            if (kafka != null && lookup.apply(key) != null) {
                extra.put(kafka, lookup.apply(key));
            }
        }
        s.additional.putAll(extra);
        String timeout = lookup.apply(STARTUP_TIMEOUT_KEY);
        if (timeout != null && !timeout.isBlank()) {
            s.setStartupTimeoutMs(Long.parseLong(timeout.trim()));
        }
        return s;
    }

    /**
     * The Kafka property named by a key of camel-kafka's additional properties
     * ({@code camel.component.kafka.additional-properties[sasl.login.callback.handler.class]}, also
     * {@code additionalProperties[...]} or {@code additional-properties.x}), else null.
     */
    static String additionalKey(String key) {
        for (String name : List.of(PREFIX + ADDITIONAL, PREFIX + "additionalProperties")) {
            if (key.startsWith(name + "[") && key.endsWith("]")) {
                return key.substring(name.length() + 1, key.length() - 1);
            }
            if (key.startsWith(name + ".") && key.length() > name.length() + 1) {
                return key.substring(name.length() + 1);
            }
        }
        return null;
    }

    /**
     * Reads the additional properties from Camel's PropertiesComponent: in the standalone run the
     * config file, -D and the overrides; in a host, the host's properties.
     */
    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        if (camelContext == null) {
            return;
        }
        PropertiesComponent pc = camelContext.getPropertiesComponent();
        // A host may spell an option in camelCase (camel.component.kafka.saslJaasConfig): also read.
        for (Map.Entry<String, String> o : OPTIONS.entrySet()) {
            synchronized (this) {
                if (security.containsKey(o.getValue())) {
                    continue;
                }
            }
            pc.resolveProperty(PREFIX + o.getKey()).or(() -> pc.resolveProperty(PREFIX + camel(o.getKey())))
                    .filter(v -> !v.isBlank()).ifPresent(v -> {
                        synchronized (this) {
                            security.put(o.getValue(), v.trim());
                        }
                    });
        }
        Properties found = pc.loadProperties(k -> additionalKey(k) != null);
        Map<String, String> extra = new LinkedHashMap<>();
        for (String key : found.stringPropertyNames()) {
            String value = pc.resolveProperty(key).orElse(found.getProperty(key));
            extra.put(additionalKey(key), value);
        }
        // camel-spring-boot binds camel.component.kafka.additional-properties[...] into the component's
        // configuration, and its PropertiesComponent lists no such key: the component's count too.
        componentAdditionalProperties(camelContext).forEach(extra::putIfAbsent);
        synchronized (this) {
            additional.putAll(extra);
        }
    }

    /** The additional properties bound to the camel-kafka component {@code kafka}, if it is there. */
    private static Map<String, String> componentAdditionalProperties(CamelContext camelContext) {
        Map<String, String> found = new LinkedHashMap<>();
        if (camelContext.getComponent("kafka") instanceof KafkaComponent kafka
                && kafka.getConfiguration() != null && kafka.getConfiguration().getAdditionalProperties() != null) {
            kafka.getConfiguration().getAdditionalProperties().forEach((k, v) -> {
                if (v != null && !v.toString().isBlank()) {
                    found.put(k, v.toString().trim());
                }
            });
        }
        return found;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** A Kafka client property passed through as is (as camel-kafka's additional-properties). */
    public synchronized KafkaClientSettings with(String kafkaProperty, String value) {
        additional.put(kafkaProperty, value);
        return this;
    }

    public String brokers() {
        return brokers;
    }

    /** How long the journal may take at start to reach Kafka before it gives up with a reason. */
    public long startupTimeoutMs() {
        return startupTimeoutMs;
    }

    public void setStartupTimeoutMs(long startupTimeoutMs) {
        if (startupTimeoutMs <= 0) {
            throw new IllegalArgumentException(STARTUP_TIMEOUT_KEY + " must be positive, got " + startupTimeoutMs);
        }
        this.startupTimeoutMs = startupTimeoutMs;
    }

    /**
     * A new Properties for one client: the brokers, the security settings, the additional
     * properties, and a client id naming it (in the broker's logs and metrics). The caller adds
     * what the client itself needs (serializers, transactions) on top.
     */
    public synchronized Properties clientProperties(String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", brokers);
        p.putAll(security);
        p.putAll(additional);
        if (clientId != null && !p.containsKey("client.id")) {
            p.put("client.id", clientId);
        }
        return p;
    }

    /**
     * {@link #clientProperties} for a consumer that reads committed string records from assigned
     * partitions, commits nothing, and gives each blocking call at most 30 s.
     */
    public Properties committedStringReader(String clientId) {
        Properties p = clientProperties(clientId);
        p.put("enable.auto.commit", false);
        p.put("isolation.level", "read_committed");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        p.put("default.api.timeout.ms", 30_000);
        return p;
    }

    private volatile KafkaStartupException startupFailure;

    /** What made a client fail at start with these settings, or null. */
    public KafkaStartupException startupFailure() {
        return startupFailure;
    }

    /** A client could not start with these settings: another one asking during the same start fails at once. */
    public void startupFailed(KafkaStartupException e) {
        this.startupFailure = e;
    }

    /** The security protocol in use (PLAINTEXT when none is set). */
    public synchronized String securityProtocol() {
        String p = security.get("security.protocol");
        if (p == null) {
            p = additional.get("security.protocol");
        }
        return p == null ? "PLAINTEXT" : p;
    }

    /** Brokers, protocol and mechanism, with no secret: for a person reading an error. */
    public synchronized String describe() {
        String mechanism = security.getOrDefault("sasl.mechanism", additional.get("sasl.mechanism"));
        String protocol = securityProtocol();
        return brokers + " (security.protocol=" + protocol
                + (protocol.startsWith("SASL") ? ", sasl.mechanism=" + (mechanism == null ? "GSSAPI" : mechanism) : "")
                + ")";
    }

    /** Every setting, the secret ones as {@value #MASK}. */
    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("KafkaClientSettings{bootstrap.servers=").append(brokers);
        Map<String, String> all = new LinkedHashMap<>(security);
        all.putAll(additional);
        all.forEach((k, v) -> b.append(", ").append(k).append('=').append(isSecret(k) ? MASK : v));
        return b.append(", startup-timeout-ms=").append(startupTimeoutMs).append('}').toString();
    }

    /** The text with every secret value of these settings (and a JAAS password="...") replaced by {@value #MASK}. */
    public synchronized String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        Map<String, String> all = new LinkedHashMap<>(security);
        all.putAll(additional);
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (isSecret(e.getKey()) && e.getValue() != null && e.getValue().length() >= 3) {
                out = out.replace(e.getValue(), MASK);
            }
        }
        return out.replaceAll("(?i)(password\\s*=\\s*)(\"[^\"]*\"|[^\\s;,]+)", "$1" + MASK);
    }

    /** A Kafka client property that holds a secret. */
    static boolean isSecret(String kafkaProperty) {
        String k = kafkaProperty.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.contains("credential") || k.endsWith(".key") || k.contains("keystore.key")
                || k.contains("certificate.chain") && k.contains("keystore");
    }

    /** {@code saslJaasConfig} → {@code sasl-jaas-config}; kebab names stay. */
    static String kebab(String option) {
        StringBuilder b = new StringBuilder();
        for (char c : option.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code sasl-jaas-config} → {@code saslJaasConfig}. */
    static String camel(String option) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : option.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    /**
     * A start-up failure of a Kafka client of the bundle, in words that say what to check (secrets masked).
     *
     * @param client   e.g. "the order journal's admin client"
     * @param action   e.g. "create the topic 'x'"
     * @param error    what the client threw (an ExecutionException is unwrapped), or null for a timeout
     */
    public KafkaStartupException startupError(String client, String action, Throwable error) {
        String why = StartupErrorWording.why(error, startupTimeoutMs() + " ms (" + STARTUP_TIMEOUT_KEY + ")");
        String message = "Kafka: " + client + " could not " + action + " at " + describe() + ": " + why;
        return new KafkaStartupException(mask(message), null);
    }
}
