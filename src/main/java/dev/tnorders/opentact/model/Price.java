package dev.tnorders.opentact.model;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One-time (nrc) and monthly (mrc) cost, written as decimal strings. */
public record Price(@JsonProperty("nrc") String nrc, @JsonProperty("mrc") String mrc) {
    public static Price of(BigDecimal nrc, BigDecimal mrc) {
        return new Price(nrc == null ? null : nrc.toPlainString(), mrc == null ? null : mrc.toPlainString());
    }
}
