package dev.tnorders.opentact.ops;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * Readiness: can the Kafka cluster be reached? (A Kafka consumer keeps retrying silently when the
 * brokers are gone, so Camel's consumer checks alone do not say it.) Asks for the cluster's nodes,
 * at most once per interval; probes in between get the last answer.
 */
public class KafkaHealthCheck extends IntervalProbeHealthCheck {


    private final KafkaClientSettings kafka;
    private final String brokers;
    private final long timeoutMs;
    private Admin admin;

    public KafkaHealthCheck(String brokers, long intervalMs, long timeoutMs) {
        this(KafkaClientSettings.plain(brokers), intervalMs, timeoutMs);
    }

    /** @param kafka the brokers and security settings (the camel-kafka component's, beans.camel.yaml) */
    public KafkaHealthCheck(KafkaClientSettings kafka, long intervalMs, long timeoutMs) {
        this(kafka, intervalMs, timeoutMs, System::currentTimeMillis);
    }

    KafkaHealthCheck(String brokers, long intervalMs, long timeoutMs, LongSupplier clock) {
        this(KafkaClientSettings.plain(brokers), intervalMs, timeoutMs, clock);
    }

    KafkaHealthCheck(KafkaClientSettings kafka, long intervalMs, long timeoutMs, LongSupplier clock) {
        super("opentact-kafka", intervalMs, clock);
        this.kafka = kafka;
        this.brokers = kafka.brokers();
        this.timeoutMs = timeoutMs;
    }

    @Override
    Probe ask(long now) {
        try {
            int nodes = admin().describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
            return nodes > 0 ? new Probe(true, "Kafka answers: " + nodes + " broker(s)", now)
                    : new Probe(false, "Kafka answers but lists no broker", now);
        } catch (TimeoutException e) {
            return new Probe(false, "Kafka cannot be reached at " + HealthText.plain(kafka.describe()) + " (no answer in "
                    + timeoutMs + " ms)", now);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return new Probe(false, "Kafka cannot be reached at " + HealthText.plain(kafka.describe()) + ": "
                    + HealthText.plain(kafka.mask(c.getClass().getSimpleName() + ": " + c.getMessage())), now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(false, "interrupted while asking Kafka", now);
        } catch (KafkaException e) {
            close(); // a client that broke is not asked again
            return new Probe(false, "Kafka client error: " + HealthText.plain(kafka.mask(e.getMessage())), now);
        }
    }

    /** One admin client for all probes (a new one each time would log its whole config each time). */
    private Admin admin() {
        if (admin == null) {
            Properties p = kafka.clientProperties(null);
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeoutMs);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "opentact-health");
            admin = Admin.create(p);
        }
        return admin;
    }

    /** Closes the admin client: at stop. */
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
