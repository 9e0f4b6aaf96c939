package dev.tnorders.opentact.ops;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tnorders.opentact.ManualClock;
import dev.tnorders.opentact.control.IntakeControl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OperatorCommandsTest {

    private final ManualClock clock = new ManualClock(1_000_000);
    private final IntakeControl intake = new IntakeControl(clock);
    private final OperatorCommands commands = new OperatorCommands(intake, "crm-opentact");

    @Test
    void readsACommandWithOrWithoutAReason() {
        assertThat(commands.parse("{\"command\":\"resume-intake\"}"))
                .isEqualTo(new OperatorCommands.Command("resume-intake", null));
        assertThat(commands.parse(" {\"command\": \"resume-intake\", \"reason\": \"account topped up\"}\n"))
                .isEqualTo(new OperatorCommands.Command("resume-intake", "account topped up"));
        assertThat(commands.parse("{\"reason\": null, \"command\": \"resume-intake\"}").reason()).isNull();
        assertThat(commands.parse("{\"reason\": \"  \", \"command\": \"resume-intake\"}").reason()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"command\":\"pause-intake\"}                  | field 'command': unknown command 'pause-intake'; expected one of: resume-intake",
            "{\"command\":\"\"}                              | field 'command': unknown command ''",
            "{\"reason\":\"x\"}                              | field 'command': missing; expected one of: resume-intake",
            "{\"command\":null}                              | field 'command': missing",
            "{\"command\":42}                                | field 'command': must be a string, one of: resume-intake",
            "{\"command\":[\"resume-intake\"]}               | field 'command': must be a string",
            "{\"command\":\"resume-intake\",\"reason\":7}    | field 'reason': must be a string",
            "{\"command\":\"resume-intake\",\"force\":true}  | field 'force': unknown field; known fields: command, reason",
            "{\"command\":\"resume-intake\"                  | malformed JSON",
            "resume-intake                                   | malformed JSON",
            "[\"resume-intake\"]                             | must be a JSON object",
            "\"resume-intake\"                               | must be a JSON object",
    })
    void aBadRecordIsRefusedNamingTheField(String payload, String expected) {
        assertThatThrownBy(() -> commands.parse(payload.strip()))
                .isInstanceOf(OperatorCommands.InvalidCommandException.class)
                .hasMessageStartingWith("operator command")
                .hasMessageContaining(expected.strip());
    }

    @Test
    void anEmptyRecordOrATombstoneIsRefused() {
        assertThatThrownBy(() -> commands.parse(null)).isInstanceOf(OperatorCommands.InvalidCommandException.class)
                .hasMessageContaining("empty record");
        assertThatThrownBy(() -> commands.parse("  ")).isInstanceOf(OperatorCommands.InvalidCommandException.class)
                .hasMessageContaining("empty record");
    }

    @Test
    void aTooLongReasonIsRefusedAndControlCharactersNeverReachTheLog() {
        assertThatThrownBy(() -> commands.parse("{\"command\":\"resume-intake\",\"reason\":\"" + "x".repeat(201) + "\"}"))
                .hasMessageContaining("field 'reason': longer than 200 characters");
        intake.pauseFor("not enough account balance", 60_000);
        String line = commands.execute(commands.parse("{\"command\":\"resume-intake\",\"reason\":\"a\\nfake log line\"}"),
                "control-0@1");
        assertThat(line).doesNotContain("\n").contains("reason: a fake log line");
    }

    @Test
    void resumeIntakeEndsABalancePauseAtOnce() throws Exception {
        intake.pauseFor("not enough account balance (Opentact: Not enough account balance)", 300_000);
        assertThat(intake.isPaused()).isTrue();

        String line = commands.execute(commands.parse("{\"command\":\"resume-intake\",\"reason\":\"topped up\"}"),
                "opentact.order.control-0@12");

        assertThat(intake.isPaused()).isFalse();
        intake.awaitRunning(0);
        assertThat(line).isEqualTo("Intake resumed by an operator command resume-intake (opentact.order.control-0@12, "
                + "reason: topped up); it was paused: not enough account balance (Opentact: Not enough account balance)");
        // A later 402 pauses again, for the full interval: the command did not disable pausing.
        intake.pauseFor("not enough account balance", 300_000);
        assertThat(intake.isPaused()).isTrue();
    }

    @Test
    void resumeIntakeEndsAnOutagePause() {
        intake.pauseForError("boom", 30_000);
        String line = commands.execute(new OperatorCommands.Command("resume-intake", null), "c-1@2");
        assertThat(line).startsWith("Intake resumed by an operator command resume-intake (c-1@2)")
                .endsWith("it was paused: unexpected error: boom");
        assertThat(intake.reason()).isNull();
    }

    @Test
    void resumeIntakeEndsATokenPauseAndSaysTheNextRefusalPausesAgain() {
        intake.pause("Opentact refused the API token (HTTP 401)");
        String line = commands.execute(new OperatorCommands.Command("resume-intake", null), "c-0@0");
        assertThat(intake.isPaused()).isFalse();
        assertThat(intake.isPausedForToken()).isFalse();
        assertThat(line).contains("paused for the token (if Opentact still refuses it, the next call pauses intake again)")
                .endsWith("Opentact refused the API token (HTTP 401)");
        // Still refused: the next call pauses for the token again, and the auth probe takes over.
        assertThat(intake.pause("Opentact refused the API token (HTTP 401)")).isTrue();
        assertThat(intake.isPausedForToken()).isTrue();
    }

    @Test
    void resumeIntakeWhileRunningChangesNothingAndSaysSo() {
        String line = commands.execute(new OperatorCommands.Command("resume-intake", "just in case"), "c-0@3");
        assertThat(line).isEqualTo("Intake not paused: nothing to resume for the operator command resume-intake "
                + "(c-0@3, reason: just in case)");
        assertThat(intake.isPaused()).isFalse();
    }

    @Test
    void aTimedPauseThatIsAlreadyOverIsNotReportedAsResumed() {
        intake.pauseFor("no balance", 1_000);
        clock.advance(1_000);
        assertThat(commands.execute(new OperatorCommands.Command("resume-intake", null), "c-0@4"))
                .startsWith("Intake not paused");
    }

    @Test
    void everyInstanceHasAControlGroupOfItsOwn() {
        OperatorCommands other = new OperatorCommands(intake, "crm-opentact");
        assertThat(commands.groupId()).startsWith("crm-opentact-control-")
                .matches("crm-opentact-control-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(other.groupId()).isNotEqualTo(commands.groupId());
        assertThat(commands.groupId()).isEqualTo(commands.groupId());
    }

    @Test
    void commandsAreCountedByNameAndInvalidOnesTogether() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OrderMetrics metrics = new OrderMetrics(() -> 0, registry);
        metrics.operatorCommand("resume-intake");
        metrics.operatorCommand("resume-intake");
        metrics.operatorCommand("invalid");
        metrics.operatorCommand("drop-tables"); // never a tag of its own: free text would make a series per value
        assertThat(registry.find("opentact.operator.commands").tag("command", "resume-intake").counter().count()).isEqualTo(2);
        assertThat(registry.find("opentact.operator.commands").tag("command", "invalid").counter().count()).isEqualTo(2);
        assertThat(registry.find("opentact.operator.commands").counters()).hasSize(2);
    }
}
