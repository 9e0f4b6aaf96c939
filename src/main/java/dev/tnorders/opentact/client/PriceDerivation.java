package dev.tnorders.opentact.client;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tnorders.opentact.model.Feature;

/**
 * The one derivation of a number's price from Opentact's price answer ({@code POST
 * /rest/order/price}, opentact-api.md), built so that it never understates:
 * <ol>
 * <li>Per price group ({@code items[i]}): base {@code nrc} + the {@code <feature>_nrc} of each
 *     feature the request asks for (voice, sms, mms, fax, emergency); the same for {@code mrc}.
 *     Features not asked for are not counted.</li>
 * <li>One number's figure is the dearest group's (nrc and mrc each).</li>
 * <li>Cross-check with the answer's totals {@code nrc}/{@code mrc} divided by the numbers priced
 *     (rounded up): one number's figure is the larger of the two.</li>
 * <li>The order's total is the larger of the answer's total and one number's figure × numbers.</li>
 * </ol>
 * Usage costs ({@code *_per_min_cost}, {@code *_per_send_cost}, {@code *_per_receive_cost}) are
 * neither one-time nor monthly: they are left out. An answer without items, a group without a
 * readable base price or a requested feature's price, or without readable totals, is not a price:
 * the quote says why ({@link PriceQuote#refusal()}) and the order is refused.
 */
public final class PriceDerivation {

    /** Extra decimal places kept when a total does not divide evenly by the numbers priced. */
    private static final int EXTRA_SCALE = 4;

    private PriceDerivation() {
    }

    /**
     * @param payload  the answer's payload
     * @param features the features the request asks for
     * @param numbers  how many numbers were priced (the price body's {@code tns})
     */
    public static PriceQuote derive(JsonNode payload, Set<Feature> features, int numbers) {
        if (payload == null || !payload.isObject()) {
            return PriceQuote.unreadable("Opentact's price answer has no payload; nothing was ordered");
        }
        if (numbers < 1) {
            return PriceQuote.unreadable("no numbers were priced; nothing was ordered");
        }
        JsonNode items = payload.get("items");
        if (items == null || !items.isArray() || items.isEmpty()) {
            return PriceQuote.unreadable("Opentact's price has no items (price groups), so one number's price is "
                    + "unknown; nothing was ordered");
        }
        BigDecimal dearestNrc = null;
        BigDecimal dearestMrc = null;
        int index = 0;
        for (JsonNode item : items) {
            index++;
            if (!item.isObject()) {
                return PriceQuote.unreadable("Opentact's price item " + index + " is not an object; nothing was ordered");
            }
            BigDecimal[] sum = new BigDecimal[2];
            String[] kinds = {"nrc", "mrc"};
            for (int k = 0; k < 2; k++) {
                Amount base = amount(item.get(kinds[k]));
                if (base.value == null) {
                    return PriceQuote.unreadable(unreadable(kinds[k] + " for item " + index, base));
                }
                sum[k] = base.value;
                for (Feature f : Feature.values()) {
                    if (!features.contains(f)) {
                        continue;
                    }
                    String field = f.apiName() + "_" + kinds[k];
                    Amount extra = amount(item.get(field));
                    if (extra.value == null) {
                        return PriceQuote.unreadable(unreadable(field + " for item " + index, extra));
                    }
                    sum[k] = sum[k].add(extra.value);
                }
            }
            dearestNrc = dearestNrc == null ? sum[0] : dearestNrc.max(sum[0]);
            dearestMrc = dearestMrc == null ? sum[1] : dearestMrc.max(sum[1]);
        }
        Amount totalNrc = amount(payload.get("nrc"));
        if (totalNrc.value == null) {
            return PriceQuote.unreadable(unreadable("total nrc", totalNrc));
        }
        Amount totalMrc = amount(payload.get("mrc"));
        if (totalMrc.value == null) {
            return PriceQuote.unreadable(unreadable("total mrc", totalMrc));
        }
        BigDecimal count = BigDecimal.valueOf(numbers);
        BigDecimal perNumberNrc = larger(dearestNrc, perNumber(totalNrc.value, count));
        BigDecimal perNumberMrc = larger(dearestMrc, perNumber(totalMrc.value, count));
        return new PriceQuote(larger(totalNrc.value, perNumberNrc.multiply(count)),
                larger(totalMrc.value, perNumberMrc.multiply(count)), perNumberNrc, perNumberMrc, items.size());
    }

    /** A total's share of one number, rounded up when it does not divide evenly. */
    static BigDecimal perNumber(BigDecimal total, BigDecimal count) {
        try {
            return total.divide(count);
        } catch (ArithmeticException notExact) {
            return total.divide(count, Math.max(total.scale(), 2) + EXTRA_SCALE, RoundingMode.CEILING);
        }
    }

    /** The larger; the first on a tie (so that its scale, e.g. 1.00, is kept). */
    private static BigDecimal larger(BigDecimal a, BigDecimal b) {
        return b.compareTo(a) > 0 ? b : a;
    }

    /** A price field read: its value, or why it has none. */
    private record Amount(BigDecimal value, String got) {
    }

    /** A decimal string or JSON number, not negative. */
    private static Amount amount(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return new Amount(null, null);
        }
        BigDecimal d = null;
        if (v.isNumber()) {
            d = v.decimalValue();
        } else if (v.isTextual()) {
            try {
                d = new BigDecimal(v.asText().strip());
            } catch (NumberFormatException e) {
                d = null;
            }
        }
        if (d == null) {
            return new Amount(null, "'" + shorten(v.isTextual() ? v.asText() : v.toString()) + "'");
        }
        if (d.signum() < 0) {
            return new Amount(null, "'" + shorten(v.asText()) + "', a negative price");
        }
        return new Amount(d, null);
    }

    private static String unreadable(String what, Amount a) {
        return "Opentact's price has no readable " + what + (a.got == null ? "" : " (got " + a.got + ")")
                + "; nothing was ordered";
    }

    private static String shorten(String s) {
        String v = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return v.replaceAll("\\p{Cntrl}", "?");
    }
}
