package dev.tnorders.opentact.client;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One Opentact answer, read from its envelope: {@code {"success":true,"payload":...}} or
 * {@code {"success":false,"message":...,"status":...,"fields":{...}}}.
 *
 * @param fields field path → Opentact's message for it (empty when none)
 */
public record ApiResponse(int httpStatus, boolean success, JsonNode payload, String message,
                          Map<String, String> fields) {

    /** Opentact's own words for a failure, with the fields it named. */
    public String describeFailure() {
        StringBuilder sb = new StringBuilder(message == null || message.isBlank() ? "HTTP " + httpStatus : message);
        if (!fields.isEmpty()) {
            sb.append(" (");
            fields.forEach((path, msg) -> sb.append(path).append(": ").append(msg).append("; "));
            sb.setLength(sb.length() - 2);
            sb.append(')');
        }
        return sb.toString();
    }
}
