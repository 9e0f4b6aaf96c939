package dev.tnorders.opentact.it;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Requests that trickle in as from a live service: one record every {@code period}, at most
 * {@code max}, until stopped. Faults then land on many small orders, not on the few large ones a
 * burst is batched into.
 */
public final class Trickle implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trickle");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger sent = new AtomicInteger();

    /**
     * @param record the i-th record (key → value), built on the trickle's one thread: it may
     *               register what it sends with the test's expectations
     */
    public Trickle(String brokers, String topic, Duration period, int max, IntFunction<Map.Entry<String, String>> record) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(p);
        scheduler.scheduleAtFixedRate(() -> {
            int i = sent.get();
            if (i >= max) {
                return;
            }
            Map.Entry<String, String> r = record.apply(i);
            producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
            sent.incrementAndGet();
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int sent() {
        return sent.get();
    }

    /** Stops sending; every record sent so far is acknowledged when this returns. */
    @Override
    public void close() throws InterruptedException {
        scheduler.shutdown();
        if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the trickle did not stop within 30 s");
        }
        producer.flush();
        producer.close(Duration.ofSeconds(10));
    }
}
