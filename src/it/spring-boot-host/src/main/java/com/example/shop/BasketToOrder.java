package com.example.shop;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

/** The host's own decision: what to order for a paid basket (a Spring bean the host route calls). */
@Component("basketToOrder")
public class BasketToOrder {

    public Map<String, Object> toRequest(String tn) {
        return Map.of("tns", List.of(tn), "features", List.of("voice", "sms"), "max_mrc", new BigDecimal("2.50"));
    }
}
