package dev.tnorders.opentact.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the sandbox reads and writes numbers, times, pages and query parameters. */
class SandboxWireTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void numbersAreElevenDigitsAsAJsonNumberOrE164String() {
        assertThat(SandboxWire.number(NODES.numberNode(12125550143L))).isEqualTo(12125550143L);
        assertThat(SandboxWire.number(NODES.textNode("+12125550143"))).isEqualTo(12125550143L);
        assertThat(SandboxWire.number(NODES.textNode("12125550143"))).isEqualTo(12125550143L);
        assertThat(SandboxWire.number(NODES.textNode("2125550143"))).isNull();
        assertThat(SandboxWire.number(NODES.numberNode(11125550143L))).as("area code starting with 1").isNull();
        assertThat(SandboxWire.number(NODES.nullNode())).isNull();
        assertThat(SandboxWire.number(null)).isNull();
    }

    @Test
    void numbersGoOutInTheChosenStyle() {
        SandboxWire wire = new SandboxWire();
        assertThat(wire.numberOut(12125550143L)).isEqualTo(12125550143L);
        wire.setE164(true);
        assertThat(wire.numberOut(12125550143L)).isEqualTo("+12125550143");
    }

    @Test
    void queryParametersAreDecodedWithLowerCaseNamesAndCheckedInRange() {
        Map<String, String> q = SandboxWire.query("Take=5&skip=%32&bearer");
        assertThat(q).containsEntry("take", "5").containsEntry("skip", "2").containsEntry("bearer", "");
        assertThat(SandboxWire.intParam(q, "take", 10, 1, 1000)).isEqualTo(5);
        assertThat(SandboxWire.intParam(q, "page", 1, 1, 9)).isEqualTo(1);
        assertThatThrownBy(() -> SandboxWire.intParam(Map.of("take", "0"), "take", 10, 1, 1000))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.fields).containsKey("take"));
    }

    @Test
    void aPageSaysItsBoundsAndTheTotal() {
        Map<String, Object> p = SandboxWire.page("take", 2, "skip", 3,
                List.of(Map.of("n", 1), Map.of("n", 2), Map.of("n", 3), Map.of("n", 4)));
        assertThat(p).containsEntry("take", 2).containsEntry("skip", 3).containsEntry("total", 4);
        assertThat(p.get("data")).isEqualTo(List.of(Map.of("n", 4)));
    }

    @Test
    void timesAreUtcWithMilliseconds() {
        assertThat(SandboxWire.time(Instant.parse("2026-01-02T03:04:05.006789Z"))).isEqualTo("2026-01-02T03:04:05.006Z");
    }
}
