package dev.tnorders.opentact.it.instances;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two running instances configured with one {@code opentact.kafka.group-instance-id} (the mistake
 * the docs warn of): the second one's consumer takes the first one's place in the group, the first
 * is fenced ({@code FencedInstanceIdException}), says so once in an ERROR, and joins again as a
 * dynamic member instead of fencing the other back (no back and forth); both then share the work,
 * and the promises hold ({@link Invariants}).
 */
@EnabledIfSystemProperty(named = "opentact.reliability", matches = "true",
        disabledReason = "-Preliability only (the default build keeps under its time budget)")
class SharedInstanceIdIT {

    private static final String TOKEN = "dup-" + UUID.randomUUID();
    private static final String FENCED = "was fenced: another running process joined group";

    @TempDir
    Path work;
    private final List<AppProcess> apps = new ArrayList<>();
    private OpentactSandbox sandbox;

    @AfterEach
    void stopAll() throws Exception {
        for (AppProcess a : apps) {
            a.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void theFencedInstanceSaysSoAndGoesOnAsADynamicMember() throws Exception {
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(5));
        sandbox.setCompletionDelay(Duration.ofMillis(100));
        String brokers = SharedKafka.bootstrapServers();
        String p = "dup" + UUID.randomUUID().toString().substring(0, 6) + ".";
        TopicProbe.createTopic(brokers, p + "requests", 2);
        for (int i = 0; i < 2; i++) {
            apps.add(new AppProcess(Path.of("target", "it-logs", p + "app" + i + ".log"), List.of())
                    .standardEnv(p, sandbox.baseUrl(), TOKEN, brokers, Files.createDirectories(work.resolve("in" + i)),
                            work.resolve("out" + i))
                    .env("OPENTACT_INBOX_INSTANCE_ID", "app" + i)
                    .env("OPENTACT_KAFKA_GROUP_INSTANCE_ID", "same-id"));
        }
        AppProcess first = apps.get(0);
        AppProcess second = apps.get(1);
        first.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> log(first).contains("Requests consumer 0 took"));
        second.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> log(first).contains(FENCED));
        // It joins again as a dynamic member and is given a partition of the two.
        await().atMost(Duration.ofSeconds(90)).until(() -> log(first).split("Requests consumer 0 took", -1).length > 2);

        Invariants.Expected expected = new Invariants.Expected();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long a = 13125000000L + 2L * i;
            String id = "d-" + i;
            expected.kafka(id, a, a + 1);
            records.add(new TopicProbe.Raw(id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1)
                    + "\"]}").getBytes(StandardCharsets.UTF_8)));
        }
        expected.stockIn(sandbox);
        TopicProbe.sendAll(brokers, p + "requests", records);
        Invariants.check("shared-instance-id", brokers, p + "outcomes", p + "numbers", expected, sandbox,
                Duration.ofSeconds(60));

        assertThat(first.isAlive()).isTrue();
        assertThat(second.isAlive()).isTrue();
        String firstLog = log(first);
        assertThat(firstLog).contains("group.instance.id 'same-id-0'", "joins again as a dynamic member");
        assertThat(firstLog.split(FENCED, -1)).as("ERRORs of the first instance's fencing").hasSize(2);
        assertThat(log(second)).as("the second is not fenced back").doesNotContain(FENCED);
    }

    private static String log(AppProcess app) throws IOException {
        return Files.readString(app.log(), StandardCharsets.ISO_8859_1);
    }
}
