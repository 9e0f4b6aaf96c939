package dev.tnorders.opentact.model;

import java.util.Set;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Normalises US and Canadian numbers written in any common form to E.164, using libphonenumber.
 * Opentact's order endpoints want the 11 digits as a JSON number; outputs use E.164.
 */
public final class PhoneNumbers {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final Set<String> SUPPORTED_REGIONS = Set.of("US", "CA");
    /**
     * NANP toll-free area codes: 800, 833, 844, 855, 866, 877, 888 in use, and 822, 880-887 and
     * 889 reserved for toll-free.
     */
    private static final Set<String> TOLL_FREE_AREA_CODES = Set.of("800", "833", "844", "855", "866", "877", "888",
            "822", "880", "881", "882", "883", "884", "885", "886", "887", "889");

    private PhoneNumbers() {
    }

    /**
     * @return the number as E.164, e.g. {@code +12029822917}
     * @throws IllegalArgumentException with a reason a person can act on
     */
    public static String toE164(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        String trimmed = text.strip();
        if (trimmed.length() > 40) {
            throw new IllegalArgumentException("is too long to be a phone number");
        }
        PhoneNumber number;
        try {
            number = UTIL.parse(trimmed, "US");
        } catch (NumberParseException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a phone number");
        }
        if (number.getCountryCode() != 1) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a US or Canadian number (country code +"
                    + number.getCountryCode() + ")");
        }
        String region = UTIL.getRegionCodeForNumber(number);
        if (!UTIL.isValidNumber(number) || region == null) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a valid US or Canadian number");
        }
        if (!SUPPORTED_REGIONS.contains(region)) {
            throw new IllegalArgumentException("'" + trimmed + "' is a NANP number of " + region
                    + ", not a US or Canadian one");
        }
        if (UTIL.getNumberType(number) == PhoneNumberType.TOLL_FREE) {
            throw new IllegalArgumentException("'" + trimmed + "' is toll-free; only local numbers can be ordered");
        }
        return UTIL.format(number, PhoneNumberFormat.E164);
    }

    /** Whether a three-digit area code (NPA) is toll-free, in use or reserved as such. */
    public static boolean isTollFreeAreaCode(String npa) {
        return npa != null && TOLL_FREE_AREA_CODES.contains(npa.strip());
    }

    /** The 11 digits Opentact's order endpoints take, e.g. 12029822917 for +12029822917. */
    public static long toApiNumber(String e164) {
        return Long.parseLong(e164.substring(1));
    }

    /** E.164 from whatever Opentact answered: a JSON number, digits, or an E.164 string. */
    public static String fromApi(String apiValue) {
        String digits = apiValue.startsWith("+") ? apiValue.substring(1) : apiValue;
        if (digits.length() == 10) {
            digits = "1" + digits;
        }
        return "+" + digits;
    }
}
