package dev.tnorders.opentact.ops;

import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check that asks something outside (Kafka, Opentact) at most once per interval;
 * checks in between get the last answer, so a busy health endpoint cannot hammer either.
 */
abstract class IntervalProbeHealthCheck extends AbstractHealthCheck {

    /** What a probe found. */
    record Probe(boolean up, String message, long at) {
    }

    private final long intervalMs;
    private final LongSupplier clock;
    private volatile Probe last;

    IntervalProbeHealthCheck(String id, long intervalMs, LongSupplier clock) {
        super("opentact", id);
        this.intervalMs = intervalMs;
        this.clock = clock;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Probe p = probe();
        builder.message(p.message());
        if (p.up()) {
            builder.up();
        } else {
            builder.down();
        }
    }

    synchronized Probe probe() {
        long now = clock.getAsLong();
        if (last == null || now - last.at() >= intervalMs) {
            last = ask(now);
        }
        return last;
    }

    /** Asks now; {@code now} goes into the Probe. */
    abstract Probe ask(long now);

    /** The last probe's answer, or null before the first (for {@link #ask}, which runs under the lock). */
    Probe last() {
        return last;
    }
}
