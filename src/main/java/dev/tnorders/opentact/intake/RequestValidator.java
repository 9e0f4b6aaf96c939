package dev.tnorders.opentact.intake;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.PhoneNumbers;
import dev.tnorders.opentact.model.RequestSource;

/**
 * The one set of rules every order request passes, whether it came from a CSV row or a Kafka
 * message. Field names in errors are the contract's names (PRODUCT.md).
 */
public class RequestValidator {

    /** Opentact's pattern for sip_connection and sip_control_app. */
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final Pattern NPA_OR_NXX = Pattern.compile("^[2-9][0-9]{2}$");
    private static final Pattern REQUEST_ID = Pattern.compile("^[\\p{Alnum}._:@/+-]{1,128}$");
    private static final Set<Feature> DEFAULT_FEATURES = EnumSet.of(Feature.VOICE, Feature.SMS);
    public static final int MAX_CRITERIA_QUANTITY = 100;

    private final int maxNumbersPerRequest;

    public RequestValidator() {
        this(100);
    }

    public RequestValidator(int maxNumbersPerRequest) {
        this.maxNumbersPerRequest = maxNumbersPerRequest;
    }

    public OrderRequest validate(RawRequest raw, String defaultRequestId, RequestSource source, String receivedAt) {
        String requestId = requestId(raw.requestId(), defaultRequestId);
        boolean hasTns = raw.tns() != null;
        boolean hasCriteria = raw.areaCode() != null || raw.exchange() != null || raw.quantity() != null
                || raw.fill() != null;
        if (hasTns && hasCriteria) {
            throw new InvalidRequestException("tns", "give either numbers (tns) or search criteria (area_code, "
                    + "exchange, quantity, fill), not both");
        }
        if (!hasTns && !hasCriteria) {
            throw new InvalidRequestException("tns", "is missing: give numbers (tns) or search criteria (area_code)");
        }
        List<String> tns = hasTns ? numbers(raw.tns()) : null;
        CriteriaSearch search = hasCriteria ? criteria(raw) : null;
        return new OrderRequest(requestId, tns, search, features(raw.features()),
                bool("autorenew", raw.autorenew(), true), profile(raw.profile()),
                uuid("sip_connection", raw.sipConnection()), uuid("sip_control_app", raw.sipControlApp()),
                money("max_nrc", raw.maxNrc()), money("max_mrc", raw.maxMrc()), source, receivedAt);
    }

    private static String requestId(String given, String fallback) {
        String id = blankToNull(given);
        if (id == null) {
            return fallback;
        }
        if (!REQUEST_ID.matcher(id).matches()) {
            throw new InvalidRequestException("request_id", "must be 1 to 128 letters, digits or ._:@/+- "
                    + "(got " + quote(id) + ")");
        }
        return id;
    }

    private List<String> numbers(List<String> raw) {
        if (raw.isEmpty()) {
            throw new InvalidRequestException("tns", "is empty: give at least one number");
        }
        if (raw.size() > maxNumbersPerRequest) {
            throw new InvalidRequestException("tns", "has " + raw.size() + " numbers; at most "
                    + maxNumbersPerRequest + " are allowed in one request");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String field = raw.size() == 1 ? "tn" : "tns[" + i + "]";
            String e164;
            try {
                e164 = PhoneNumbers.toE164(raw.get(i));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(field, e.getMessage());
            }
            if (!seen.add(e164)) {
                throw new InvalidRequestException(field, e164 + " appears more than once in the request");
            }
        }
        return new ArrayList<>(seen);
    }

    private static CriteriaSearch criteria(RawRequest raw) {
        String npa = blankToNull(raw.areaCode());
        if (npa == null) {
            throw new InvalidRequestException("area_code", "is required when ordering by criteria");
        }
        if (!NPA_OR_NXX.matcher(npa).matches()) {
            throw new InvalidRequestException("area_code", "must be 3 digits, the first 2-9 (got " + quote(npa) + ")");
        }
        if (PhoneNumbers.isTollFreeAreaCode(npa)) {
            // The same rule as for numbers (tns): only local numbers can be ordered.
            throw new InvalidRequestException("area_code", quote(npa) + " is a toll-free area code; only local "
                    + "numbers can be ordered");
        }
        String nxx = blankToNull(raw.exchange());
        if (nxx != null && !NPA_OR_NXX.matcher(nxx).matches()) {
            throw new InvalidRequestException("exchange", "must be 3 digits, the first 2-9 (got " + quote(nxx) + ")");
        }
        int quantity = 1;
        String q = blankToNull(raw.quantity());
        if (q != null) {
            try {
                quantity = Integer.parseInt(q);
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("quantity", "must be a whole number (got " + quote(q) + ")");
            }
        }
        if (quantity < 1 || quantity > MAX_CRITERIA_QUANTITY) {
            throw new InvalidRequestException("quantity", "must be from 1 to " + MAX_CRITERIA_QUANTITY
                    + " (got " + quantity + ")");
        }
        CriteriaSearch.Fill fill = CriteriaSearch.Fill.all;
        String f = blankToNull(raw.fill());
        if (f != null) {
            try {
                fill = CriteriaSearch.Fill.valueOf(f.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("fill", "must be 'all' or 'partial' (got " + quote(f) + ")");
            }
        }
        return new CriteriaSearch(npa, nxx, quantity, fill);
    }

    private static Set<Feature> features(List<String> raw) {
        if (raw == null) {
            return DEFAULT_FEATURES;
        }
        Set<Feature> features = EnumSet.noneOf(Feature.class);
        for (String name : raw) {
            if (name.isBlank()) {
                continue;
            }
            features.add(Feature.parse(name).orElseThrow(() -> new InvalidRequestException("features",
                    "unknown feature " + quote(name) + "; use voice, sms, mms, fax or emergency")));
        }
        return features.isEmpty() ? DEFAULT_FEATURES : features;
    }

    static boolean bool(String field, String raw, boolean dflt) {
        String v = blankToNull(raw);
        if (v == null) {
            return dflt;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1":
                return true;
            case "false", "no", "0":
                return false;
            default:
                throw new InvalidRequestException(field, "must be true/false, yes/no or 1/0 (got " + quote(v) + ")");
        }
    }

    private static String profile(String raw) {
        String v = blankToNull(raw);
        if (v != null && v.length() > 255) {
            throw new InvalidRequestException("profile", "must be at most 255 characters (got " + v.length() + ")");
        }
        return v;
    }

    private static String uuid(String field, String raw) {
        String v = blankToNull(raw);
        if (v == null) {
            return null;
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (!UUID.matcher(lower).matches()) {
            throw new InvalidRequestException(field, "must be a UUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301 "
                    + "(got " + quote(v) + ")");
        }
        return lower;
    }

    private static BigDecimal money(String field, String raw) {
        String v = blankToNull(raw);
        if (v == null) {
            return null;
        }
        BigDecimal amount;
        try {
            amount = new BigDecimal(v);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(field, "must be a decimal amount such as 1.50 (got " + quote(v) + ")");
        }
        if (amount.signum() < 0) {
            throw new InvalidRequestException(field, "must not be negative (got " + v + ")");
        }
        if (amount.scale() > 6 || amount.precision() - amount.scale() > 9) {
            throw new InvalidRequestException(field, "is not a plausible price (got " + quote(v) + ")");
        }
        return amount;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Quotes a user value for an error message, cut short so a huge field cannot flood the logs. */
    static String quote(String value) {
        String v = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        return "'" + v.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
