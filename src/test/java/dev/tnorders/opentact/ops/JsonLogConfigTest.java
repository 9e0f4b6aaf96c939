package dev.tnorders.opentact.ops;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The standalone logging configuration (config/log4j2.properties), text or JSON, in a JVM of its own. */
class JsonLogConfigTest {

    static final String LINE = "Outcome of request r1: completed (order u1, 1/1 ordered)";

    /** What the child JVM runs: one log line. */
    public static void main(String[] args) {
        LoggerFactory.getLogger("dev.tnorders.opentact.Outcomes").info(LINE);
    }

    private static List<String> run(Map<String, String> env, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=config/log4j2.properties"));
        command.addAll(List.of(jvmOptions));
        command.add(JsonLogConfigTest.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true);
        pb.environment().remove("OPENTACT_LOG_FORMAT");
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void jsonByEnvironmentVariableOrSystemProperty() throws Exception {
        for (List<String> out : List.of(run(Map.of("OPENTACT_LOG_FORMAT", "json")),
                run(Map.of(), "-Dopentact.log.format=json"))) {
            assertThat(out).hasSize(1);
            @SuppressWarnings("unchecked")
            Map<String, Object> event = new ObjectMapper().readValue(out.get(0), Map.class);
            assertThat(event).containsEntry("message", LINE).containsEntry("log.level", "INFO")
                    .containsEntry("log.logger", "dev.tnorders.opentact.Outcomes").containsKey("@timestamp");
        }
    }

    @Test
    void plainTextByDefault() throws Exception {
        List<String> out = run(Map.of());
        assertThat(out).singleElement().asString().matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] Outcomes - .*")
                .endsWith(LINE);
    }
}
