package dev.tnorders.opentact.sandbox;

import java.util.Map;

/** An error the sandbox answers in the documented error envelope: its status, message and field errors. */
final class ApiError extends RuntimeException {
    final int status;
    final Map<String, Object> fields;

    ApiError(int status, String message, Map<String, Object> fields) {
        super(message);
        this.status = status;
        this.fields = fields;
    }
}
