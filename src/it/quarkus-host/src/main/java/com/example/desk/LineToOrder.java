package com.example.desk;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

/** The host's own decision: what to order for a new help-desk line (a CDI bean the host route calls). */
@ApplicationScoped
@Named("lineToOrder")
public class LineToOrder {

    public Map<String, Object> toRequest(String tn) {
        return Map.of("tns", List.of(tn), "features", List.of("voice", "sms"), "max_mrc", new BigDecimal("2.50"));
    }
}
