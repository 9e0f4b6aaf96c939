package dev.tnorders.opentact.order;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumberSearchTest {

    private static final CriteriaSearch NPA_201 = new CriteriaSearch("201", null, 3, CriteriaSearch.Fill.all);
    private static final CriteriaSearch NPA_201_NXX_777 = new CriteriaSearch("201", "777", 3, CriteriaSearch.Fill.all);

    private final NumberSearch search = new NumberSearch(5);

    @ParameterizedTest(name = "{0}/{1}: {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # area code | exchange | offered       | usable
            201         |          | +12017770001  | true
            201         |          | +12012000001  | true
            201         |          | +12027770001  | false
            201         | 777      | +12017770001  | true
            201         | 777      | +12017780001  | false
            201         | 777      | +12027770001  | false
            # toll-free: never, whatever was asked
            800         |          | +18005550199  | false
            888         |          | +18885550199  | false
            822         |          | +18225550199  | false
            885         |          | +18855550199  | false
            # not a NANP number of ten digits, or an impossible exchange
            201         |          | +1201777000   | false
            201         |          | +442017770001 | false
            201         |          | +12011770001  | false
            201         |          | 12017770001   | false
            """)
    void offeredNumbersMustMatchTheAreaCodeAndExchangeAndBeLocal(String npa, String nxx, String offered, boolean usable) {
        assertThat(NumberSearch.matches(new CriteriaSearch(npa, nxx, 1, CriteriaSearch.Fill.all), offered))
                .isEqualTo(usable);
    }

    @Test
    void nonMatchingOffersAreSkippedAndCountedTriedOnesLeftOut() {
        List<NumberResult> settled = List.of(new NumberResult("r", "+12017770002", NumberResult.State.failed, "gone",
                "u", null, null, null));
        NumberSearch.Pages p = search.add(NPA_201_NXX_777, search.start(),
                List.of("+18005550199", "+12017770001", "+12127770001", "+12017770002", "+12017770003", "+12017770001"),
                1000, settled);
        assertThat(p.usable()).containsExactly("+12017770001", "+12017770003");
        assertThat(p.skipped()).isEqualTo(2);
        assertThat(p.pagesRead()).isEqualTo(1);
        assertThat(p.total()).isEqualTo(1000);
        assertThat(search.usable(p)).containsExactly("+12017770001", "+12017770003");
    }

    @Test
    void pagesAreReadUntilEnoughAreUsable() {
        NumberSearch.Pages p = search.start();
        assertThat(search.keepReading(NPA_201, p, null)).isTrue(); // the first page always
        assertThat(search.nextPage(p)).isEqualTo(1);
        p = search.add(NPA_201, p, offers("+1202", 100), 1000, null); // page 1: nothing usable
        assertThat(search.keepReading(NPA_201, p, null)).isTrue();
        assertThat(search.nextPage(p)).isEqualTo(2);
        p = search.add(NPA_201, p, offers("+1201", 2), 1000, null);
        assertThat(search.keepReading(NPA_201, p, null)).isTrue(); // 2 of 3
        p = search.add(NPA_201, p, offers("+1201", 5), 1000, null);
        assertThat(p.usable()).hasSize(5); // 0000-0004 again, two already kept: once each
        assertThat(search.keepReading(NPA_201, p, null)).isFalse(); // enough
        assertThat(search.nextPage(p)).isEqualTo(4);
    }

    @Test
    void enoughCountsWhatEarlierRoundsBought() {
        List<NumberResult> bought = List.of(
                new NumberResult("r", "+12019990001", NumberResult.State.ordered, null, "u", null, null, null),
                new NumberResult("r", "+12019990002", NumberResult.State.ordered, null, "u", null, null, null));
        NumberSearch.Pages p = search.add(NPA_201, search.start(), offers("+1201", 1), 1000, bought);
        assertThat(search.keepReading(NPA_201, p, bought)).isFalse(); // 1 more was wanted
    }

    @ParameterizedTest(name = "cap {0}, total {1}, last page empty {2}, refused {3} -> {4}")
    @CsvSource({
            // cap, pages read, total, last page empty, refused, read another
            "5, 1,     , false, false, true",   // no total: up to the cap
            "5, 4,     , false, false, true",
            "5, 5,     , false, false, false",  // the cap
            "1, 1,     , false, false, false",
            "5, 1,  100, false, false, false",  // page 1 of 100 numbers held them all
            "5, 1,  101, false, false, true",
            "5, 2,  150, false, false, false",
            "5, 2, 1000, true,  false, false",  // an empty page ends it, whatever the total says
            "5, 2, 1000, false, true,  false",  // a refused page ends it
            "5, 0,     , false, true,  false",  // the first page refused
    })
    void pagesAreBoundedByTheCapTheTotalAnEmptyPageAndARefusal(int cap, int pagesRead, Integer total,
                                                                boolean lastPageEmpty, boolean refused, boolean more) {
        NumberSearch pages = new NumberSearch(cap);
        NumberSearch.Pages p = new NumberSearch.Pages(List.of(), 100 * pagesRead, pagesRead, total, lastPageEmpty,
                refused ? "refused" : null);
        assertThat(pages.keepReading(NPA_201, p, null)).isEqualTo(more);
        assertThat(pages.keepReading(NPA_201, pages.refused(p), null)).isFalse();
    }

    @Test
    void thePageCapMustBeAtLeastOneAndNamesItsKey() {
        assertThatThrownBy(() -> new NumberSearch(0)).hasMessageContaining("opentact.order.search-pages");
    }

    /** {@code n} numbers of a prefix such as +1201 (exchange 555), lines 0000 on. */
    private static List<String> offers(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(String.format("%s555%04d", prefix, i));
        }
        return out;
    }
}
