package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which column of a CSV header holds which field. A header name matches a field ignoring case and
 * every separator ({@code Auto-Renew}, {@code AutoRenew}, {@code auto renew} are {@code autorenew};
 * {@code MaxNRC} is {@code max_nrc}), and a few common aliases are understood ({@code Phone Number}
 * is {@code tn}, {@code NPA} is {@code area_code}). A column that is still not recognised is kept
 * (its cells go to the rejects file as written) but named, so that nobody's column is ignored
 * without a word.
 */
public final class CsvColumns {

    /** The fields a CSV file may have, as the contract spells them. */
    public static final List<String> FIELDS = List.of("tn", "area_code", "exchange", "quantity", "fill", "features",
            "autorenew", "profile", "sip_connection", "sip_control_app", "max_nrc", "max_mrc", "request_id");

    /** Other names people give a field (matched the same way: {@code Phone Number} = {@code phone_number}). */
    public static final Map<String, String> ALIASES = aliases();

    /** Most unrecognised column names spelt out in one line. */
    static final int LISTED = 20;

    private static final Pattern NOT_LETTER_OR_DIGIT = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final Map<String, String> BY_KEY = byKey();

    private final Map<String, Integer> index;
    private final List<String> unrecognised;

    private CsvColumns(Map<String, Integer> index, List<String> unrecognised) {
        this.index = index;
        this.unrecognised = unrecognised;
    }

    private static Map<String, String> aliases() {
        Map<String, String> a = new LinkedHashMap<>();
        for (String tn : List.of("phone", "phone_number", "number", "did", "tel", "telephone")) {
            a.put(tn, "tn");
        }
        a.put("npa", "area_code");
        a.put("nxx", "exchange");
        a.put("qty", "quantity");
        return Collections.unmodifiableMap(a);
    }

    private static Map<String, String> byKey() {
        Map<String, String> m = new HashMap<>();
        for (String f : FIELDS) {
            m.put(key(f), f);
        }
        ALIASES.forEach((alias, field) -> {
            if (m.put(key(alias), field) != null) {
                throw new IllegalStateException("alias " + alias + " collides with another name");
            }
        });
        return Map.copyOf(m);
    }

    /** A header name reduced to what is compared: lower case, letters and digits only. */
    static String key(String name) {
        return NOT_LETTER_OR_DIGIT.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("");
    }

    /** The field a header name means, or null when it means none. */
    static String field(String headerName) {
        return headerName == null ? null : BY_KEY.get(key(headerName));
    }

    /**
     * @throws InvalidRequestException when two columns mean the same field (the file cannot be read
     *                                 correctly), or when there is neither a tn nor an area_code column
     */
    public static CsvColumns of(List<String> header) {
        Map<String, Integer> index = new HashMap<>();
        List<String> unrecognised = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i);
            String field = field(name);
            if (field == null) {
                unrecognised.add(name == null || name.isBlank() ? "(column " + (i + 1) + ", no name)"
                        : RequestValidator.quote(name.strip()));
                continue;
            }
            Integer before = index.put(field, i);
            if (before != null) {
                throw new InvalidRequestException(field, "the header has two columns for it, "
                        + RequestValidator.quote(header.get(before)) + " (column " + (before + 1) + ") and "
                        + RequestValidator.quote(name) + " (column " + (i + 1) + "); keep one of them");
            }
        }
        if (!index.containsKey("tn") && !index.containsKey("area_code")) {
            throw new InvalidRequestException("tn", "the header has neither a tn nor an area_code column (header: "
                    + String.join(",", header) + ")");
        }
        return new CsvColumns(Map.copyOf(index), List.copyOf(unrecognised));
    }

    /** The column that holds a field, or null. */
    public Integer indexOf(String field) {
        return index.get(field);
    }

    /** The header's columns that mean no field, each as {@code 'Name'} (cut at 40 characters), in file order. */
    public List<String> unrecognised() {
        return unrecognised;
    }

    /** The warning for a file with unrecognised columns, or null when every column is recognised. */
    public String warning(String file) {
        if (unrecognised.isEmpty()) {
            return null;
        }
        boolean one = unrecognised.size() == 1;
        return "Order file " + file + ": " + (one ? "column " : "columns ") + listed(unrecognised)
                + (one ? " is" : " are") + " not recognised; " + (one ? "its" : "their")
                + " values are ignored. Known columns (case and separators do not matter): " + known();
    }

    /** At most {@value #LISTED} names, then how many more. */
    static String listed(List<String> names) {
        if (names.size() <= LISTED) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, LISTED)) + " and " + (names.size() - LISTED) + " more";
    }

    /** {@code tn (or phone, ...), area_code (or npa), ...}. */
    static String known() {
        List<String> parts = new ArrayList<>();
        for (String f : FIELDS) {
            List<String> aliases = ALIASES.entrySet().stream().filter(e -> e.getValue().equals(f))
                    .map(Map.Entry::getKey).toList();
            parts.add(aliases.isEmpty() ? f : f + " (or " + String.join(", ", aliases) + ")");
        }
        return String.join(", ", parts);
    }
}
