package dev.tnorders.opentact.sandbox;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The sandbox's account: inventory, owned numbers, orders, balance, and a purchase counter per
 * number. Every method is synchronized: HTTP threads share one state.
 */
final class SandboxState {

    /** One number of an order, decided when the order is placed. */
    record Item(String uuid, long tn, boolean success, String reason, List<String> features, boolean autorenew) {
    }

    /** An order. Its visible state depends on how long ago it was created. */
    record Order(String uuid, Instant createdOn, List<Item> items, Map<String, Object> request, boolean autorenew,
                 BigDecimal nrc, BigDecimal mrc) {
    }

    /** A number the account holds. */
    record Lease(String uuid, long tn, Instant createdOn, boolean autorenew) {
    }

    static final String ALREADY_OWNED = "Number is already owned";
    static final String NOT_AVAILABLE = "Error buying a number";

    private final Clock clock;
    private final TreeSet<Long> inventory = new TreeSet<>();
    private final Map<Long, Lease> owned = new LinkedHashMap<>();
    private final Map<String, Order> orders = new LinkedHashMap<>();
    private final Map<Long, Integer> purchases = new HashMap<>();
    private final Map<Long, Integer> orderAttempts = new HashMap<>();
    private final Map<Long, BigDecimal[]> priceOverrides = new HashMap<>();
    /** One-time and monthly price of each feature, on top of a number's own price (0.00 unless set). */
    private final Map<String, BigDecimal[]> featurePrices = new HashMap<>();
    private BigDecimal balance = new BigDecimal("1000.00");
    private BigDecimal baseNrc = new BigDecimal("1.00");
    private BigDecimal baseMrc = new BigDecimal("0.50");
    private Duration processingDelay = Duration.ZERO;
    private Duration completionDelay = Duration.ofMillis(200);
    /** 0: an order's state follows its age (the delays above); n: it is final at its n-th lookup, whatever its age. */
    private int lookupsToFinal;
    /** Order uuid → lookups ({@code GET /rest/order/{uuid}}) it has answered, when {@code lookupsToFinal} is on. */
    private final Map<String, Integer> lookups = new HashMap<>();

    SandboxState(Clock clock) {
        this.clock = clock;
        for (int npa : new int[] {201, 202, 212, 312, 415, 646, 416, 604}) {
            for (int nxx : new int[] {200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 555, 777, 982}) {
                long prefix = 10_000_000_000L + npa * 10_000_000L + nxx * 10_000L;
                for (int line = 0; line < 1000; line++) {
                    inventory.add(prefix + line);
                }
            }
        }
        inventory.add(12029822917L);
        inventory.add(12025550143L);
    }

    Instant now() {
        return clock.instant();
    }

    synchronized void addInventory(long... tns) {
        for (long tn : tns) {
            inventory.add(tn);
        }
    }

    synchronized void removeInventory(long... tns) {
        for (long tn : tns) {
            inventory.remove(tn);
        }
    }

    synchronized void setBalance(BigDecimal value) {
        balance = value;
    }

    synchronized BigDecimal balance() {
        return balance;
    }

    synchronized void setBasePrice(BigDecimal nrc, BigDecimal mrc) {
        baseNrc = nrc;
        baseMrc = mrc;
    }

    synchronized void setPrice(long tn, BigDecimal nrc, BigDecimal mrc) {
        priceOverrides.put(tn, new BigDecimal[] {nrc, mrc});
    }

    synchronized void setFeaturePrice(String feature, BigDecimal nrc, BigDecimal mrc) {
        featurePrices.put(feature, new BigDecimal[] {nrc, mrc});
    }

    /** A feature's {nrc, mrc}: 0.00 each unless set. */
    synchronized BigDecimal[] featurePriceOf(String feature) {
        return featurePrices.getOrDefault(feature, new BigDecimal[] {new BigDecimal("0.00"), new BigDecimal("0.00")});
    }

    /** What one number costs with these features: its own price plus each feature's, {nrc, mrc}. */
    synchronized BigDecimal[] priceWith(long tn, List<String> features) {
        BigDecimal[] base = priceOf(tn);
        BigDecimal nrc = base[0];
        BigDecimal mrc = base[1];
        for (String f : features) {
            BigDecimal[] p = featurePriceOf(f);
            nrc = nrc.add(p[0]);
            mrc = mrc.add(p[1]);
        }
        return new BigDecimal[] {nrc, mrc};
    }

    synchronized void setDelays(Duration processing, Duration completion) {
        processingDelay = processing;
        completionDelay = completion;
    }

    synchronized void setLookupsToFinal(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("lookups to final: 0 (off) or more: " + n);
        }
        lookupsToFinal = n;
    }

    /** An order lookup is being answered: counted when orders are final by lookups, before its state is read. */
    synchronized void lookedUp(Order order) {
        if (lookupsToFinal > 0) {
            lookups.merge(order.uuid(), 1, Integer::sum);
        }
    }

    synchronized BigDecimal[] priceOf(long tn) {
        return priceOverrides.getOrDefault(tn, new BigDecimal[] {baseNrc, baseMrc});
    }

    synchronized boolean isOwned(long tn) {
        return owned.containsKey(tn);
    }

    synchronized int purchaseCount(long tn) {
        return purchases.getOrDefault(tn, 0);
    }

    synchronized int orderAttempts(long tn) {
        return orderAttempts.getOrDefault(tn, 0);
    }

    synchronized Map<Long, Integer> purchases() {
        return new HashMap<>(purchases);
    }

    synchronized Map<Long, Integer> attempts() {
        return new HashMap<>(orderAttempts);
    }

    synchronized int orderCount() {
        return orders.size();
    }

    /**
     * Places an order, deciding every number at once.
     *
     * @return the order, or null when the balance cannot pay for all of it (402)
     */
    synchronized Order place(List<Long> tns, List<String> features, boolean autorenew, Map<String, Object> request) {
        BigDecimal total = BigDecimal.ZERO;
        for (long tn : tns) {
            total = total.add(priceWith(tn, features)[0]);
        }
        if (balance.compareTo(total) < 0) {
            return null;
        }
        List<Item> items = new ArrayList<>();
        BigDecimal nrc = BigDecimal.ZERO;
        BigDecimal mrc = BigDecimal.ZERO;
        Instant now = now();
        for (long tn : tns) {
            orderAttempts.merge(tn, 1, Integer::sum);
            String reason;
            boolean success = false;
            if (owned.containsKey(tn)) {
                reason = ALREADY_OWNED;
            } else if (!inventory.contains(tn)) {
                reason = NOT_AVAILABLE;
            } else {
                success = true;
                reason = "Complete";
                inventory.remove(tn);
                owned.put(tn, new Lease(UUID.randomUUID().toString(), tn, now, autorenew));
                BigDecimal[] price = priceWith(tn, features);
                balance = balance.subtract(price[0]);
                nrc = nrc.add(price[0]);
                mrc = mrc.add(price[1]);
                purchases.merge(tn, 1, Integer::sum);
            }
            items.add(new Item(UUID.randomUUID().toString(), tn, success, reason, features, autorenew));
        }
        Order order = new Order(UUID.randomUUID().toString(), now, items, request, autorenew, nrc, mrc);
        orders.put(order.uuid(), order);
        return order;
    }

    synchronized Order order(String uuid) {
        return orders.get(uuid);
    }

    synchronized List<Order> orders() {
        return new ArrayList<>(orders.values());
    }

    synchronized List<Lease> leases() {
        return new ArrayList<>(owned.values());
    }

    /** Available numbers matching a ten-character pattern where {@code *} and {@code %} match one digit. */
    synchronized List<Long> search(String pattern) {
        List<Long> out = new ArrayList<>();
        for (long tn : inventory) {
            String ten = Long.toString(tn).substring(1);
            if (matches(pattern, ten)) {
                out.add(tn);
            }
        }
        return out;
    }

    private static boolean matches(String pattern, String ten) {
        for (int i = 0; i < 10; i++) {
            char p = pattern.charAt(i);
            if (p != '*' && p != '%' && p != ten.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The state an order shows now: created, processing, then final; by its age, or, when orders are
     * final by lookups, {@code created} until its first lookup, {@code processing} until its n-th.
     */
    synchronized String visibleState(Order order) {
        if (lookupsToFinal > 0) {
            int seen = lookups.getOrDefault(order.uuid(), 0);
            if (seen >= lookupsToFinal) {
                return finalState(order);
            }
            return seen == 0 ? "created" : "processing";
        }
        Duration age = Duration.between(order.createdOn(), now());
        if (age.compareTo(completionDelay) >= 0) {
            return finalState(order);
        }
        return age.compareTo(processingDelay) >= 0 ? "processing" : "created";
    }

    private static String finalState(Order order) {
        return order.items().stream().anyMatch(Item::success) ? "success" : "failed";
    }
}
