package dev.tnorders.opentact.client;

import java.math.BigInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesFunction;

/**
 * The rate limit towards Opentact ({@code opentact.api.rate-limit} calls per
 * {@code opentact.api.rate-limit-window-ms}) as the same rate in slices of about 100 ms, for the
 * Throttle EIP. The routes' second throttle ({@code opentact-call-rate-slice}) counts this
 * instance's share ({@link SharedRateLimit}) per {@code {{opentact-rate-limit:slice-ms}}}
 * ({@link #sliceMs}, {@link #callsPerSlice}); {@code {{opentact-rate-limit:calls}}} per
 * {@code {{opentact-rate-limit:period-ms}}} is the whole limit in slices ({@link #slice}), for a
 * host's own throttle of one instance.
 *
 * <p>Why: a throttle lets a window's calls go out together when they are waiting, and every later
 * window repeats that burst. A burst of 50 calls reaches Opentact spread over some tens of
 * milliseconds, and a gateway that counts calls in any rolling second then refuses the ones that
 * arrive late in one burst and early in the next with 429. Five calls per 102 ms allow the same
 * 50 per 1,020 ms, and never more than 50 in any second, in bursts of five.
 *
 * <p>Found by Camel through {@code META-INF/services/org/apache/camel/properties-function/}, so the
 * routes resolve it in any Camel runtime that has this jar, standalone or embedded.
 */
public class RateLimitSlices implements PropertiesFunction, CamelContextAware {

    /** About how long a slice lasts: short enough that bursts are small, long enough that rounding costs under 1%. */
    static final long TARGET_SLICE_MS = 100;

    private CamelContext camelContext;

    @Override
    public String getName() {
        return "opentact-rate-limit";
    }

    @Override
    public String apply(String remainder) {
        long calls = number("opentact.api.rate-limit");
        long windowMs = number("opentact.api.rate-limit-window-ms");
        Slice slice = slice(calls, windowMs);
        return switch (remainder) {
            case "calls" -> String.valueOf(slice.calls());
            case "period-ms" -> String.valueOf(slice.periodMs());
            case "slice-ms" -> String.valueOf(sliceMs(windowMs));
            default -> throw new IllegalArgumentException(
                    "{{opentact-rate-limit:" + remainder + "}}: expected 'calls' or 'period-ms' (the limit in slices), or 'slice-ms'");
        };
    }

    /** As a placeholder in a route would read it, environment variables included; else its declared default. */
    private long number(String key) {
        String value = camelContext.resolvePropertyPlaceholders("{{setting:" + key + "}}").trim();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "'", e);
        }
    }

    /** {@code calls} calls per {@code periodMs}. */
    record Slice(long calls, long periodMs) {
    }

    /**
     * Calls per slice rounded to the nearest whole call (at least one), and the slice rounded up
     * to a whole millisecond: never faster than {@code calls} per {@code windowMs}, in any window.
     */
    static Slice slice(long calls, long windowMs) {
        if (calls <= 0 || windowMs <= 0) {
            throw new IllegalArgumentException("opentact.api.rate-limit and opentact.api.rate-limit-window-ms must be "
                    + "positive, were " + calls + " and " + windowMs);
        }
        long perSlice = Math.max(1, Math.min(calls, Math.round((double) calls * TARGET_SLICE_MS / windowMs)));
        // ceil(windowMs * perSlice / calls), in exact arithmetic
        long periodMs = Math.max(1, BigInteger.valueOf(windowMs).multiply(BigInteger.valueOf(perSlice))
                .add(BigInteger.valueOf(calls - 1)).divide(BigInteger.valueOf(calls)).longValueExact());
        return new Slice(perSlice, periodMs);
    }

    /**
     * The slices of about {@value #TARGET_SLICE_MS} ms a window is cut into, at least one: 10 for
     * a window of 1,020 ms.
     */
    static long slicesPerWindow(long windowMs) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("opentact.api.rate-limit-window-ms must be positive, was " + windowMs);
        }
        return Math.max(1, Math.round((double) windowMs / TARGET_SLICE_MS));
    }

    /**
     * How long a slice lasts when the rate changes while the routes run (the Throttle's period is
     * fixed when its route starts, only its calls per period follow the share): the window over
     * {@link #slicesPerWindow}, rounded up, so that the slices of one window cover at least the
     * window. 102 ms for 1,020 ms.
     */
    public static long sliceMs(long windowMs) {
        long slices = slicesPerWindow(windowMs);
        return (windowMs + slices - 1) / slices;
    }

    /**
     * The most calls that may go out in one slice of {@link #sliceMs} for a rate of {@code calls}
     * per {@code windowMs}: the rate's part of a slice, rounded up, at least one. Rounded up, the
     * slices alone may allow a little more than the rate: a second throttle of {@code calls} per
     * whole window keeps to the rate, and these slices keep its calls from going out in one burst
     * (20 per 1,020 ms: at most 2 per 102 ms; 3 per 1,020 ms: at most 1 per 102 ms).
     */
    public static long callsPerSlice(long calls, long windowMs) {
        if (calls <= 0) {
            throw new IllegalArgumentException("calls per window must be positive, was " + calls);
        }
        long slices = slicesPerWindow(windowMs);
        return Math.max(1, (calls + slices - 1) / slices);
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }
}
