package dev.tnorders.opentact.model;

import java.util.Locale;
import java.util.Optional;

/** A capability that can be enabled on an ordered number; names as Opentact spells them. */
public enum Feature {
    VOICE, SMS, MMS, FAX, EMERGENCY;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Feature> parse(String text) {
        for (Feature f : values()) {
            if (f.apiName().equalsIgnoreCase(text.trim())) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
