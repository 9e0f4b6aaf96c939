package dev.tnorders.opentact.order;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * Groups the requests of one poll into order cases: batches of compatible new requests (one price
 * call and one order for each, up to {@code opentact.order.batch-max-numbers} numbers), run side by
 * side; then, one after another in poll order, the requests the journal knows, grouped by the order
 * they were in (followed or reconciled once for all of them), and cases of one for the rest
 * (criteria, own price limits, a request id or number seen twice in the poll).
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

    /** The plan for these requests, asking the journal (once) which of them it already knows. */
    public OrderPlan plan(List<OrderRequest> requests) {
        Map<String, JournalEntry> known = journal.entries(requests.stream().map(OrderRequest::requestId).toList());
        return planWith(requests, r -> known.get(r.requestId()));
    }

    /**
     * @param entryOf the journal's entry of a request, or null when it has none: a request it has is
     *                resumed, not batched, and goes with the others of its order (placed: the same
     *                order uuid; intent: the same intent of the same kind of order) so that a crash's
     *                work is followed and reconciled per order, not per request
     */
    OrderPlan planWith(List<OrderRequest> requests, Function<OrderRequest, JournalEntry> entryOf) {
        Map<List<Object>, List<List<OrderRequest>>> open = new LinkedHashMap<>();
        Map<List<OrderRequest>, Integer> numbersIn = new IdentityHashMap<>();
        Map<List<Object>, List<List<OrderRequest>>> resumed = new LinkedHashMap<>();
        List<List<OrderRequest>> inOrder = new ArrayList<>();
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
            JournalEntry entry = clash ? null : entryOf.apply(r);
            if (clash || (entry == null && !plain)) {
                inOrder.add(List.of(r));
            } else if (entry != null) {
                List<Object> order = resumedOrder(r, entry, plain);
                if (order == null) {
                    inOrder.add(List.of(r));
                } else {
                    add(resumed, numbersIn, order, r, inOrder);
                }
            } else {
                add(open, numbersIn, key(r), r, null);
            }
        }
        List<List<OrderRequest>> batches = new ArrayList<>();
        open.values().forEach(batches::addAll);
        return new OrderPlan(batches, inOrder);
    }

    /** Adds r to the last group of its key, or to a new one (then listed in {@code inOrder} when given). */
    private void add(Map<List<Object>, List<List<OrderRequest>>> groupsByKey, Map<List<OrderRequest>, Integer> numbersIn,
                     List<Object> key, OrderRequest r, List<List<OrderRequest>> inOrder) {
        List<List<OrderRequest>> groups = groupsByKey.computeIfAbsent(key, k -> new ArrayList<>());
        List<OrderRequest> current = groups.isEmpty() ? null : groups.get(groups.size() - 1);
        if (current == null || numbersIn.get(current) + r.tns().size() > maxNumbers) {
            current = new ArrayList<>();
            groups.add(current);
            numbersIn.put(current, 0);
            if (inOrder != null) {
                inOrder.add(current);
            }
        }
        current.add(r);
        numbersIn.put(current, numbersIn.get(current) + r.tns().size());
    }

    /**
     * Which order a resumed request shares with others of the poll: its placed order, or its intent
     * (plain requests whose intents were written together); null when it resumes alone (done, criteria).
     */
    private static List<Object> resumedOrder(OrderRequest r, JournalEntry entry, boolean plain) {
        if (r.isCriteria() || entry.phase() == JournalEntry.Phase.done) {
            return null;
        }
        if (entry.phase() == JournalEntry.Phase.placed && entry.orderUuid() != null) {
            return List.of("placed", entry.orderUuid());
        }
        if (entry.phase() == JournalEntry.Phase.intent && plain && entry.intentAt() != null) {
            List<Object> k = new ArrayList<>(List.of("intent", entry.intentAt()));
            k.addAll(key(r));
            return k;
        }
        return null;
    }

    /** What requests must share to go in one order. */
    private static List<Object> key(OrderRequest r) {
        return Arrays.asList(new TreeSet<>(r.features()), r.autorenew(),
                Objects.toString(r.profile(), ""), Objects.toString(r.sipConnection(), ""),
                Objects.toString(r.sipControlApp(), ""));
    }
}
