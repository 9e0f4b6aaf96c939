package dev.tnorders.opentact.order;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.PhoneNumbers;

/**
 * The decisions of a criteria request's number search ({@code POST /rest/tn/search?page=&size=}),
 * kept apart from the route that only moves its messages: which offered numbers may be bought,
 * which page to read next, and whether enough usable numbers were found.
 *
 * <p>An offered number is usable only when it is a US/Canadian number in the area code (NPA) asked
 * for, in the exchange (NXX) when one was asked for, not toll-free, and not one that an earlier
 * search round of the request already tried. Anything else is skipped and counted.
 *
 * <p>Pages are read one after the other, from page 1, with {@value #PAGE_SIZE} numbers a page,
 * while too few usable numbers were found, at most {@code opentact.order.search-pages} pages,
 * and never past an empty page, the answer's {@code total}, or a page Opentact refused.
 */
public class NumberSearch {

    /** Numbers per page asked for: the most the TN search takes. */
    public static final int PAGE_SIZE = 100;

    /** What the pages read so far gave. Immutable: each page read makes a new one. */
    public record Pages(List<String> usable, int skipped, int pagesRead, Integer total, boolean lastPageEmpty,
                       String stoppedBy) {

        /** How many numbers the pages offered in all, usable or not. */
        public int offered() {
            return usable.size() + skipped;
        }
    }

    private final int maxPages;

    public NumberSearch(int maxPages) {
        if (maxPages < 1) {
            throw new IllegalArgumentException("opentact.order.search-pages must be at least 1 (got " + maxPages + ")");
        }
        this.maxPages = maxPages;
    }

    public int maxPages() {
        return maxPages;
    }

    /** Before the first page. */
    public Pages start() {
        return new Pages(List.of(), 0, 0, null, false, null);
    }

    /**
     * Whether to read another page: none read yet; or too few usable numbers, the page cap not
     * reached, the last page not empty, not past the answer's total, and no page refused.
     */
    public boolean keepReading(CriteriaSearch search, Pages pages, List<NumberResult> settled) {
        if (pages == null || pages.pagesRead() == 0) {
            return pages == null || pages.stoppedBy() == null;
        }
        if (pages.stoppedBy() != null || pages.lastPageEmpty() || pages.pagesRead() >= maxPages) {
            return false;
        }
        if (pages.total() != null && (long) pages.pagesRead() * PAGE_SIZE >= pages.total()) {
            return false;
        }
        return pages.usable().size() < OrderRules.stillWanted(search, settled);
    }

    /** The number of the next page to read (from 1; {@value #PAGE_SIZE} numbers a page). */
    public int nextPage(Pages pages) {
        return (pages == null ? 0 : pages.pagesRead()) + 1;
    }

    /**
     * The pages so far plus one more page's offered numbers (E.164, as read from the answer) and
     * the answer's {@code total} (null when it has none): the usable ones are kept, in order, once.
     */
    public Pages add(CriteriaSearch search, Pages pages, List<String> offered, Integer total,
                     List<NumberResult> settled) {
        Set<String> tried = new HashSet<>();
        if (settled != null) {
            settled.forEach(n -> tried.add(n.tn()));
        }
        LinkedHashSet<String> usable = new LinkedHashSet<>(pages.usable());
        int skipped = pages.skipped();
        for (String tn : offered) {
            if (!matches(search, tn)) {
                skipped++;
            } else if (!tried.contains(tn)) {
                usable.add(tn); // one already tried is left out by the search round as before; not "skipped"
            }
        }
        return new Pages(List.copyOf(usable), skipped, pages.pagesRead() + 1, total, offered.isEmpty(), null);
    }

    /** Opentact refused a page: no further page is read (after the first, what was found is what there is). */
    public Pages refused(Pages pages) {
        return new Pages(pages.usable(), pages.skipped(), pages.pagesRead(), pages.total(), pages.lastPageEmpty(),
                "refused");
    }

    /** The usable numbers found, in the order offered. */
    public List<String> usable(Pages pages) {
        return pages == null ? List.of() : new ArrayList<>(pages.usable());
    }

    /**
     * Whether an offered number fits the criteria: a NANP number (+1 and ten digits) of the area
     * code asked for, of the exchange when one was asked for, and not toll-free.
     */
    public static boolean matches(CriteriaSearch search, String e164) {
        if (e164 == null || !e164.matches("\\+1[2-9][0-9]{2}[2-9][0-9]{6}")) {
            return false;
        }
        String npa = e164.substring(2, 5);
        String nxx = e164.substring(5, 8);
        if (PhoneNumbers.isTollFreeAreaCode(npa) || !npa.equals(search.areaCode())) {
            return false;
        }
        return search.exchange() == null || nxx.equals(search.exchange());
    }
}
