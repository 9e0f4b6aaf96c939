package dev.tnorders.opentact.order;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Groups the requests of one poll into order cases: batches of compatible new requests (one price
 * call and one order for each, up to {@code opentact.order.batch-max-numbers} numbers), and cases
 * of one for the rest (a request the journal knows resumes where it stopped; criteria, own price
 * limits, a request id or number seen twice in the poll go alone and in order).
 */
public class OrderPlanner {

    private final int maxNumbers;
    private final OrderStore journal;

    public OrderPlanner(int maxNumbers, OrderStore journal) {
        if (maxNumbers < 1) {
            throw new IllegalArgumentException("opentact.order.batch-max-numbers must be at least 1: " + maxNumbers);
        }
        this.maxNumbers = maxNumbers;
        this.journal = journal;
    }

    /** The plan for these requests, asking the journal which of them it already knows. */
    public OrderPlan plan(List<OrderRequest> requests) {
        Set<String> known = journal.known(requests.stream().map(OrderRequest::requestId).toList());
        return planWith(requests, r -> known.contains(r.requestId()));
    }

    /** @param known whether the journal already has an entry for a request (it is resumed, not batched) */
    OrderPlan planWith(List<OrderRequest> requests, Predicate<OrderRequest> known) {
        Map<List<Object>, List<List<OrderRequest>>> open = new LinkedHashMap<>();
        Map<List<OrderRequest>, Integer> numbersIn = new java.util.IdentityHashMap<>();
        List<OrderRequest> singles = new ArrayList<>();
        Set<String> seenNumbers = new HashSet<>();
        Set<String> seenIds = new HashSet<>();
        for (OrderRequest r : requests) {
            boolean plain = !r.isCriteria() && r.maxNrc() == null && r.maxMrc() == null
                    && r.tns().size() <= maxNumbers;
            // A request id or number seen twice in one poll: the later one waits for the earlier.
            boolean clash = !seenIds.add(r.requestId()) || (r.tns() != null && r.tns().stream().anyMatch(seenNumbers::contains));
            if (r.tns() != null) {
                seenNumbers.addAll(r.tns());
            }
            if (!plain || clash || known.test(r)) {
                singles.add(r);
                continue;
            }
            List<List<OrderRequest>> groups = open.computeIfAbsent(key(r), k -> new ArrayList<>());
            List<OrderRequest> current = groups.isEmpty() ? null : groups.get(groups.size() - 1);
            if (current == null || numbersIn.get(current) + r.tns().size() > maxNumbers) {
                current = new ArrayList<>();
                groups.add(current);
                numbersIn.put(current, 0);
            }
            current.add(r);
            numbersIn.put(current, numbersIn.get(current) + r.tns().size());
        }
        List<List<OrderRequest>> batches = new ArrayList<>();
        open.values().forEach(batches::addAll);
        return new OrderPlan(batches, singles);
    }

    /** What requests must share to go in one order. */
    private static List<Object> key(OrderRequest r) {
        return java.util.Arrays.asList(new java.util.TreeSet<>(r.features()), r.autorenew(),
                Objects.toString(r.profile(), ""), Objects.toString(r.sipConnection(), ""),
                Objects.toString(r.sipControlApp(), ""));
    }
}
