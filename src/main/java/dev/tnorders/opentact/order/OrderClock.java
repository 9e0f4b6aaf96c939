package dev.tnorders.opentact.order;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The lifecycle's one clock: what time it is, the UTC timestamps outcomes carry, and the waits
 * between an order's polls. A test gives one whose waits move its own clock instead of sleeping.
 */
public class OrderClock {

    public static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Waits; a test gives one that moves its own clock. */
    public interface Pause {
        void pause(long millis) throws InterruptedException;
    }

    private final Clock clock;
    private final Pause pause;

    /** The system's UTC clock; waits block the calling thread. */
    public OrderClock() {
        this(Clock.systemUTC(), Thread::sleep);
    }

    public OrderClock(Clock clock, Pause pause) {
        this.clock = clock;
        this.pause = pause;
    }

    public long millis() {
        return clock.millis();
    }

    /** Now, as outcomes and journal entries write it: {@code 2026-12-01T12:00:00.000Z}. */
    public String now() {
        return UTC_MILLIS.format(Instant.now(clock));
    }

    public void pause(long millis) throws InterruptedException {
        if (millis > 0) {
            pause.pause(millis);
        }
    }
}
