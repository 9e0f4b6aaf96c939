package dev.tnorders.opentact.it;

import java.util.Optional;

/**
 * Which order mode the end-to-end tests run in. By default none is set, so the apps run in the
 * configured default (batching mode); {@code -Dit.batching=false} runs every test that does not
 * pin its mode in the per-request mode ({@code -Dit.batching=true} pins batching explicitly).
 */
public final class TestMode {

    private TestMode() {
    }

    /** The value of {@code opentact.order.batching} to force, if {@code -Dit.batching} asks for one. */
    static Optional<String> batchingOverride() {
        String value = System.getProperty("it.batching");
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("it.batching must be true or false, not '" + value + "'");
        }
        return Optional.of(value);
    }

    /** Whether the apps of this run are in batching mode: the default (config/application.properties) unless overridden. */
    public static boolean batching() {
        return batchingOverride().map(Boolean::parseBoolean).orElse(true);
    }
}
