package dev.tnorders.opentact.model;

import java.util.List;

/** What a request ended as: its outcome and one result per number. */
public record OrderResult(Outcome outcome, List<NumberResult> numbers) {
}
