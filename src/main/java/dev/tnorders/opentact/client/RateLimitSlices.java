package dev.tnorders.opentact.client;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesFunction;

/**
 * The rate limit towards Opentact ({@code opentact.api.rate-limit} calls per
 * {@code opentact.api.rate-limit-window-ms}) as the same rate in slices of about 100 ms, for the
 * Throttle EIP: {@code {{opentact-rate-limit:calls}}} per {@code {{opentact-rate-limit:period-ms}}}.
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
            default -> throw new IllegalArgumentException(
                    "{{opentact-rate-limit:" + remainder + "}}: expected 'calls' or 'period-ms'");
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
        long periodMs = Math.max(1, java.math.BigInteger.valueOf(windowMs).multiply(java.math.BigInteger.valueOf(perSlice))
                .add(java.math.BigInteger.valueOf(calls - 1)).divide(java.math.BigInteger.valueOf(calls)).longValueExact());
        return new Slice(perSlice, periodMs);
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
