package dev.tnorders.opentact.ops;

import java.util.Iterator;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.tnorders.opentact.control.IntakeControl;

/**
 * Operator commands from the control topic ({@code opentact.topics.control}, route
 * {@code operator-control}): a JSON object such as {@code {"command":"resume-intake","reason":"topped up"}}.
 * Every instance reads every command: each consumes with a consumer group of its own
 * ({@link #groupId()}), so a command acts on all instances that are running when it is sent.
 *
 * <p>{@code resume-intake} ends a pause now, whatever its cause: no balance (402), Opentact down, an
 * unexpected error, or a refused token (if Opentact still refuses the token, the next call pauses
 * intake again; the auth probe keeps checking).
 */
public class OperatorCommands {

    public static final String RESUME_INTAKE = "resume-intake";
    /** The commands known, in the order the error messages list them. */
    static final List<String> COMMANDS = List.of(RESUME_INTAKE);
    static final List<String> FIELDS = List.of("command", "reason");
    static final int MAX_REASON_CHARS = 200;

    /** A command record that cannot be carried out. The message names the field and the problem. */
    public static class InvalidCommandException extends RuntimeException {
        public InvalidCommandException(String field, String problem) {
            super(field == null ? "operator command: " + problem : "operator command, field '" + field + "': " + problem);
        }
    }

    /** A valid command: its name and the operator's reason (null when none was given). */
    public record Command(String name, String reason) {
    }

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final IntakeControl intake;
    private final String groupId;

    /** @param groupIdPrefix the requests topic's group ({@code opentact.kafka.group-id}): its name leads the control group's */
    public OperatorCommands(IntakeControl intake, String groupIdPrefix) {
        this.intake = intake;
        this.groupId = groupIdPrefix + "-control-" + UUID.randomUUID();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(10_000).maxNestingDepth(5).build());
    }

    /**
     * This instance's consumer group on the control topic: new for every instance (and start), so
     * no two instances share offsets and each sees every command. The route commits no offsets.
     */
    public String groupId() {
        return groupId;
    }

    /** Reads and checks one control record. @throws InvalidCommandException naming the field */
    public Command parse(String payload) {
        if (payload == null || payload.isBlank()) {
            throw new InvalidCommandException(null, "empty record; expected a JSON object such as {\"command\":\""
                    + RESUME_INTAKE + "\"}");
        }
        JsonNode root;
        try {
            root = mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidCommandException(null, "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidCommandException(null, "must be a JSON object such as {\"command\":\"" + RESUME_INTAKE + "\"}");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidCommandException(shown(name), "unknown field; known fields: " + String.join(", ", FIELDS));
            }
        }
        JsonNode command = root.get("command");
        if (command == null || command.isNull()) {
            throw new InvalidCommandException("command", "missing; expected one of: " + String.join(", ", COMMANDS));
        }
        if (!command.isTextual()) {
            throw new InvalidCommandException("command", "must be a string, one of: " + String.join(", ", COMMANDS));
        }
        if (!COMMANDS.contains(command.textValue())) {
            throw new InvalidCommandException("command", "unknown command '" + shown(command.textValue())
                    + "'; expected one of: " + String.join(", ", COMMANDS));
        }
        JsonNode reason = root.get("reason");
        String why = null;
        if (reason != null && !reason.isNull()) {
            if (!reason.isTextual()) {
                throw new InvalidCommandException("reason", "must be a string");
            }
            if (reason.textValue().length() > MAX_REASON_CHARS) {
                throw new InvalidCommandException("reason", "longer than " + MAX_REASON_CHARS + " characters");
            }
            why = reason.textValue().isBlank() ? null : reason.textValue();
        }
        return new Command(command.textValue(), why);
    }

    /**
     * Carries the command out.
     *
     * @param source where it came from (topic-partition@offset), for the log
     * @return the one log line that says what was done
     */
    public String execute(Command command, String source) {
        if (!RESUME_INTAKE.equals(command.name())) {
            throw new InvalidCommandException("command", "unknown command '" + shown(command.name()) + "'");
        }
        String by = "operator command " + RESUME_INTAKE + " (" + source
                + (command.reason() == null ? "" : ", reason: " + shown(command.reason())) + ")";
        IntakeControl.Ended ended = intake.resumeNow();
        if (ended == null) {
            return "Intake not paused: nothing to resume for the " + by;
        }
        return "Intake resumed by an " + by + "; it was paused"
                + (ended.forToken() ? " for the token (if Opentact still refuses it, the next call pauses intake again)" : "")
                + ": " + ended.reason();
    }

    /** Operator text in a log line: one line, bounded. */
    static String shown(String text) {
        String t = text.replaceAll("[\\p{Cntrl}]+", " ");
        return t.length() > MAX_REASON_CHARS ? t.substring(0, MAX_REASON_CHARS) + "..." : t;
    }
}
