package dev.tnorders.opentact.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.TransactionalIds;

import static org.assertj.core.api.Assertions.assertThat;

/** Which transactional id the journal uses, and why: set, derived from the static id, or random. */
class JournalTransactionalIdTest {

    private static final String JOURNAL = "opentact.order.journal";

    @TempDir
    Path dir;

    private final Map<String, String> settings = new HashMap<>(Map.of(
            "opentact.kafka.consumers", "2",
            "opentact.kafka.group-id", "orders",
            "opentact.kafka.group-instance-id", "",
            "opentact.kafka.instance-lock-dir", ""));
    private final AtomicInteger asked = new AtomicInteger();

    private JournalTransactionalId.Choice choose(String configured, Object application) {
        settings.put("opentact.kafka.instance-lock-dir", dir.toString());
        return JournalTransactionalId.choose(configured, JOURNAL, settings::get, (g, i, d) -> {
            asked.incrementAndGet();
            return StaticInstance.shared(application, g, i, d);
        });
    }

    @Test
    void aSetIdIsUsedAsItIs() {
        JournalTransactionalId.Choice c = choose(" orders-a ", new Object());
        assertThat(c.id()).isEqualTo("orders-a");
        assertThat(c.why()).isEqualTo("set by opentact.kafka.transactional-id");
        assertThat(c.derived()).isFalse();
        assertThat(asked).as("no slot taken for it").hasValue(0);
    }

    @Test
    void derivedFromTheSlotTheConsumersJoinWithAndTheSameAtTheNextStart() {
        Object app = new Object();
        JournalTransactionalId.Choice c = choose("", app);
        StaticInstance consumers = StaticInstance.shared(app, "orders", "", dir.toString());
        try {
            assertThat(c.id()).isEqualTo(TransactionalIds.derived(JOURNAL, "orders", consumers.id()))
                    .startsWith(TransactionalIds.defaultPrefix(JOURNAL)).endsWith("-" + HostInstanceId.current() + "-0");
            assertThat(c.derived()).isTrue();
            assertThat(c.why()).startsWith("derived from the requests consumers' static group instance id '"
                    + HostInstanceId.current() + "-0' (the host name and slot 0 locked in " + dir + ") in group 'orders'");
        } finally {
            consumers.release();
        }
        // the process is killed and started again: its slot, so its id
        Object restarted = new Object();
        JournalTransactionalId.Choice again = choose("", restarted);
        assertThat(again.id()).isEqualTo(c.id());
        StaticInstance.shared(restarted, "orders", "", dir.toString()).release();
    }

    @Test
    void twoInstancesOnOneHostGetTwo() {
        Object first = new Object();
        Object second = new Object();
        JournalTransactionalId.Choice a = choose("", first);
        JournalTransactionalId.Choice b = choose("", second);
        try {
            assertThat(b.id()).isNotEqualTo(a.id()).endsWith("-1");
        } finally {
            StaticInstance.shared(first, "orders", "", dir.toString()).release();
            StaticInstance.shared(second, "orders", "", dir.toString()).release();
        }
    }

    @Test
    void derivedFromAConfiguredGroupInstanceId() {
        settings.put("opentact.kafka.group-instance-id", "orders-pod-2");
        JournalTransactionalId.Choice c = choose("", new Object());
        assertThat(c.id()).isEqualTo(TransactionalIds.derived(JOURNAL, "orders", "orders-pod-2"));
        assertThat(c.why()).contains("'orders-pod-2' (opentact.kafka.group-instance-id)");
    }

    @Test
    void randomWithoutStaticMembership() {
        settings.put("opentact.kafka.group-instance-id", "none");
        JournalTransactionalId.Choice c = choose("", new Object());
        assertRandom(c, "static group membership is off (opentact.kafka.group-instance-id=none)");
        assertThat(choose("", new Object()).id()).isNotEqualTo(c.id());
    }

    @Test
    void randomWithoutRequestsConsumers() {
        settings.put("opentact.kafka.consumers", "0");
        assertRandom(choose("", new Object()), "no requests consumers (opentact.kafka.consumers=0)");
        assertThat(asked).as("no slot taken").hasValue(0);
    }

    @Test
    void randomWhenNoSlotCouldBeLocked() throws Exception {
        Path notAFolder = java.nio.file.Files.writeString(dir.resolve("file"), "x");
        JournalTransactionalId.Choice c = JournalTransactionalId.choose("", JOURNAL, k ->
                k.equals("opentact.kafka.instance-lock-dir") ? notAFolder.toString() : settings.get(k),
                (g, i, d) -> StaticInstance.shared(new Object(), g, i, d));
        assertRandom(c, "no static group instance id: none (no slot could be locked in " + notAFolder);
    }

    @Test
    void randomForAGroupInstanceIdKafkaRefuses() {
        settings.put("opentact.kafka.group-instance-id", "pod/2");
        assertRandom(choose("", new Object()), "no usable static group instance id");
    }

    @Test
    void randomForAJournalOutsideAnApplication() {
        JournalTransactionalId.Choice c = JournalTransactionalId.choose("", JOURNAL, KafkaClientSettings.plain("localhost:9092"));
        assertRandom(c, "no application settings to derive it from");
        assertThat(JournalTransactionalId.choose("given", JOURNAL, KafkaClientSettings.plain("localhost:9092")).id())
                .isEqualTo("given");
    }

    /** As the application wires it: the settings through {@code {{setting:...}}} of the journal's Camel context. */
    @Test
    void readsTheApplicationsSettingsThroughTheJournalsCamelContext() throws Exception {
        try (org.apache.camel.impl.DefaultCamelContext context = new org.apache.camel.impl.DefaultCamelContext()) {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("opentact.kafka.instance-lock-dir", dir.toString());
            p.setProperty("opentact.kafka.group-id", "orders-ctx");
            context.getPropertiesComponent().setInitialProperties(p);
            KafkaClientSettings kafka = KafkaClientSettings.plain("localhost:9092");
            kafka.setCamelContext(context);
            JournalTransactionalId.Choice c = JournalTransactionalId.choose("", JOURNAL, kafka);
            StaticInstance consumers = StaticInstance.shared(context, "orders-ctx", "", dir.toString());
            try {
                assertThat(consumers.slot()).isZero();
                assertThat(c.id()).isEqualTo(TransactionalIds.derived(JOURNAL, "orders-ctx", consumers.id()));
            } finally {
                consumers.release();
            }
        }
    }

    private static void assertRandom(JournalTransactionalId.Choice c, String why) {
        assertThat(c.id()).startsWith(TransactionalIds.defaultPrefix(JOURNAL))
                .matches(".*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(c.derived()).isFalse();
        assertThat(c.why()).startsWith("random, new at this start: ").contains(why)
                .endsWith("aborted by the broker after the transaction timeout");
    }
}
