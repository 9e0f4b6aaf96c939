package dev.tnorders.opentact.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;

/**
 * The durable record of what we did for each request, on a compacted Kafka topic keyed by
 * request id: {@code intent} is written (and acknowledged by the broker) before an order POST,
 * {@code placed} with the order uuid right after it, {@code done} together with the results.
 * After a crash or a redelivery the phase tells what is safe: nothing to do, resume following,
 * or reconcile with Opentact before any new POST.
 *
 * <p>The results of a request (one record per number, the outcome) and its {@code done} entry
 * are written in one Kafka transaction: either all of them exist or none, so a request never has
 * two outcomes and never none, whenever the process dies. Consumers of the output topics should
 * read with {@code isolation.level=read_committed}.
 *
 * <p>Every instance reads the whole topic, and catches up to its end before each decision, so
 * instances sharing one consumer group see each other's entries.
 */
public class OrderJournal {

    private static final Logger LOG = LoggerFactory.getLogger(OrderJournal.class);

    public enum Phase { intent, placed, done }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(@JsonProperty("request_id") String requestId, @JsonProperty("phase") Phase phase,
                        @JsonProperty("tns") List<String> tns, @JsonProperty("order_uuid") String orderUuid) {
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final String brokers;
    private final String topic;
    private final String outcomesTopic;
    private final String numbersTopic;
    private final String transactionalId;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;

    /** A journal that only records phases (tools and tests). */
    public OrderJournal(String brokers, String topic) {
        this(brokers, topic, null, null, "opentact-journal-" + java.util.UUID.randomUUID());
    }

    /**
     * @param transactionalId stable across restarts of one instance, distinct between instances:
     *                        a restarted instance then aborts what its predecessor left open
     */
    public OrderJournal(String brokers, String topic, String outcomesTopic, String numbersTopic, String transactionalId) {
        this.brokers = brokers;
        this.topic = topic;
        this.outcomesTopic = outcomesTopic;
        this.numbersTopic = numbersTopic;
        this.transactionalId = transactionalId == null || transactionalId.isBlank()
                ? defaultTransactionalId(topic) : transactionalId;
    }

    /** One per host and journal: the same after a restart, different for another host. */
    static String defaultTransactionalId(String topic) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return "opentact-order-routes-" + host + "-" + topic;
    }

    public synchronized void start() {
        createTopicIfMissing();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // What a killed predecessor left open blocks read_committed readers until it times out.
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(p);
        producer.initTransactions(); // fences and aborts a predecessor's open transaction
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        catchUp();
        LOG.info("Order journal '{}' loaded: {} requests known", topic, entries.size());
    }

    public synchronized void stop() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The latest entry for a request, after reading every entry written so far by any instance. */
    public synchronized Entry lookup(String requestId) {
        catchUp();
        return entries.get(requestId);
    }

    public Phase phaseOf(String requestId) {
        Entry e = lookup(requestId);
        return e == null ? null : e.phase();
    }

    public String orderUuidOf(String requestId) {
        Entry e = lookup(requestId);
        return e == null ? null : e.orderUuid();
    }

    /** Requests whose order is being placed or followed (phase intent or placed), as last read: a metric. */
    public int openOrders() {
        return (int) entries.values().stream().filter(e -> e.phase() != Phase.done).count();
    }

    /** Up to {@code limit} open requests as {@code request id: phase [order uuid]}, for a person to read. */
    public List<String> openRequests(int limit) {
        return entries.values().stream().filter(e -> e.phase() != Phase.done).limit(limit)
                .map(e -> e.requestId() + ": " + e.phase() + (e.orderUuid() == null ? "" : " " + e.orderUuid()))
                .sorted().toList();
    }

    public void intent(OrderRequest request) {
        write(new Entry(request.requestId(), Phase.intent, request.tns(), null));
    }

    public void placed(OrderRequest request, String orderUuid) {
        write(new Entry(request.requestId(), Phase.placed, request.tns(), orderUuid));
    }

    /**
     * Publishes a request's results and marks it done, atomically: one record per number (key =
     * number), the outcome (key = request id), and the {@code done} entry, in one transaction.
     */
    public synchronized void finish(OrderRequest request, OrderResult result) {
        Entry done = new Entry(request.requestId(), Phase.done, null, result.outcome().orderUuid());
        transaction(done, () -> {
            for (NumberResult n : result.numbers()) {
                producer.send(new ProducerRecord<>(numbersTopic, n.tn(), mapper.writeValueAsString(n)));
            }
            producer.send(new ProducerRecord<>(outcomesTopic, request.requestId(),
                    mapper.writeValueAsString(result.outcome())));
        });
    }

    private interface Sends {
        void run() throws java.io.IOException;
    }

    /** Writes and waits for the broker's acknowledgement: the entry is durable when this returns. */
    private void write(Entry entry) {
        transaction(entry, () -> { });
    }

    private synchronized void transaction(Entry entry, Sends others) {
        try {
            producer.beginTransaction();
            others.run();
            producer.send(new ProducerRecord<>(topic, entry.requestId(), mapper.writeValueAsString(entry)));
            producer.commitTransaction();
            entries.put(entry.requestId(), entry);
        } catch (org.apache.kafka.common.errors.ProducerFencedException
                 | org.apache.kafka.common.errors.OutOfOrderSequenceException
                 | org.apache.kafka.common.errors.AuthorizationException e) {
            // Fatal for this producer: another instance took over this transactional id.
            throw new IllegalStateException("the order journal's producer was fenced (is another instance using "
                    + "transactional id '" + transactionalId + "'?)", e);
        } catch (org.apache.kafka.common.KafkaException | java.io.IOException e) {
            try {
                producer.abortTransaction();
            } catch (org.apache.kafka.common.KafkaException ignored) {
                // the abort failing leaves the transaction to time out; the error below is what matters
            }
            throw new IllegalStateException("could not write the order journal for request " + entry.requestId()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Reads until the consumer's position reaches the end offsets as they are now. */
    private void catchUp() {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read the order journal '" + topic + "' to its end in 60 s");
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() == null) {
                    entries.remove(r.key());
                    continue;
                }
                try {
                    entries.put(r.key(), mapper.readValue(r.value(), Entry.class));
                } catch (java.io.IOException e) {
                    LOG.warn("Skipping an unreadable order journal entry at {}-{}@{}", r.topic(), r.partition(), r.offset());
                }
            }
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void createTopicIfMissing() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            NewTopic t = new NewTopic(topic, 1, (short) -1).configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
            LOG.info("Created the compacted order journal topic '{}'", topic);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create the order journal topic '" + topic + "'", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s when creating topic '" + topic + "'", e);
        }
    }
}
