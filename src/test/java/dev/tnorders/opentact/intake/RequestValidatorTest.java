package dev.tnorders.opentact.intake;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestValidatorTest {

    private final RequestValidator validator = new RequestValidator(3);
    private static final RequestSource SRC = RequestSource.ofFile("a.csv", 2);

    private static RawRequest tns(String... tns) {
        return new RawRequest(null, List.of(tns), null, null, null, null, null, null, null, null, null, null, null);
    }

    private OrderRequest validate(RawRequest raw) {
        return validator.validate(raw, "default-id", SRC, "2026-01-01T00:00:00.000Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"+1 202 982 2917", "(202) 982-2917", "2029822917", "12029822917", "202.982.2917"})
    void acceptsCommonUsForms(String written) {
        assertThat(validate(tns(written)).tns()).containsExactly("+12029822917");
    }

    @Test
    void defaultsAreVoiceSmsAutorenewAndTheGivenId() {
        OrderRequest r = validate(tns("2029822917"));
        assertThat(r.features()).containsExactlyInAnyOrder(Feature.VOICE, Feature.SMS);
        assertThat(r.autorenew()).isTrue();
        assertThat(r.requestId()).isEqualTo("default-id");
        assertThat(r.source()).isEqualTo(SRC);
    }

    @Test
    void rejectsNonNanpTollFreeAndGarbageNamingTheField() {
        assertThatThrownBy(() -> validate(tns("+44 20 7946 0958"))).hasMessageContaining("field 'tn'")
                .hasMessageContaining("not a US or Canadian number");
        assertThatThrownBy(() -> validate(tns("8005550199"))).hasMessageContaining("toll-free");
        assertThatThrownBy(() -> validate(tns("2029822917", "hello"))).hasMessageContaining("field 'tns[1]'");
    }

    @Test
    void rejectsEmptyTooManyAndDuplicatedNumbers() {
        assertThatThrownBy(() -> validate(new RawRequest(null, Collections.emptyList(), null, null, null, null, null,
                null, null, null, null, null, null))).hasMessageContaining("field 'tns': is empty");
        assertThatThrownBy(() -> validate(tns("2029822917", "2025550143", "2012000001", "2012000002")))
                .hasMessageContaining("at most 3");
        assertThatThrownBy(() -> validate(tns("2029822917", "+1 (202) 982-2917")))
                .hasMessageContaining("tns[1]").hasMessageContaining("more than once");
    }

    @Test
    void readsEveryOption() {
        OrderRequest r = validate(new RawRequest("crm-1", List.of("2029822917"), null, null, null, null,
                List.of("voice", "FAX", "emergency"), "no", "US", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", null,
                "1.25", "0.5"));
        assertThat(r.requestId()).isEqualTo("crm-1");
        assertThat(r.features()).containsExactlyInAnyOrder(Feature.VOICE, Feature.FAX, Feature.EMERGENCY);
        assertThat(r.autorenew()).isFalse();
        assertThat(r.sipConnection()).isEqualTo("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assertThat(r.maxNrc()).isEqualByComparingTo(new BigDecimal("1.25"));
        assertThat(r.maxMrc()).isEqualByComparingTo("0.50");
    }

    @Test
    void badOptionsNameTheirField() {
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), null, null, null, null,
                List.of("telepathy"), null, null, null, null, null, null))).hasMessageContaining("field 'features'")
                .hasMessageContaining("telepathy");
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), null, null, null, null, null,
                "maybe", null, null, null, null, null))).hasMessageContaining("field 'autorenew'");
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), null, null, null, null, null,
                null, null, "not-a-uuid", null, null, null))).hasMessageContaining("field 'sip_connection'");
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), null, null, null, null, null,
                null, null, null, null, "1,50", null))).hasMessageContaining("field 'max_nrc'");
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), null, null, null, null, null,
                null, null, null, null, "-1", null))).hasMessageContaining("negative");
        assertThatThrownBy(() -> validate(new RawRequest("bad id with spaces", List.of("2029822917"), null, null,
                null, null, null, null, null, null, null, null, null))).hasMessageContaining("field 'request_id'");
    }

    @Test
    void criteriaRequests() {
        OrderRequest r = validate(new RawRequest(null, null, "201", "777", "5", "partial", null, null, null, null,
                null, null, null));
        assertThat(r.search()).isEqualTo(new CriteriaSearch("201", "777", 5, CriteriaSearch.Fill.partial));
        assertThat(r.search().pattern()).isEqualTo("201777****");
        assertThat(r.numbersRequested()).isEqualTo(5);
        assertThatThrownBy(() -> validate(new RawRequest(null, null, "20", null, null, null, null, null, null, null,
                null, null, null))).hasMessageContaining("field 'area_code'");
        assertThatThrownBy(() -> validate(new RawRequest(null, null, "201", null, "101", null, null, null, null, null,
                null, null, null))).hasMessageContaining("field 'quantity'");
        assertThatThrownBy(() -> validate(new RawRequest(null, null, "201", null, null, "some", null, null, null, null,
                null, null, null))).hasMessageContaining("field 'fill'");
        assertThatThrownBy(() -> validate(new RawRequest(null, List.of("2029822917"), "201", null, null, null, null,
                null, null, null, null, null, null))).hasMessageContaining("not both");
    }

    @ParameterizedTest
    @ValueSource(strings = {"800", "833", "844", "855", "866", "877", "888",
            "822", "880", "881", "882", "883", "884", "885", "886", "887", "889"})
    void tollFreeAreaCodesAreRefusedLikeTollFreeNumbers(String npa) {
        assertThatThrownBy(() -> validate(new RawRequest(null, null, npa, null, "1", null, null, null, null, null,
                null, null, null))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("field 'area_code'").hasMessageContaining("toll-free")
                .hasMessageContaining("only local numbers can be ordered");
    }

    @Test
    void areaCodesNextToTollFreeOnesAreLocal() {
        for (String npa : List.of("801", "821", "823", "832", "879", "890", "899")) {
            assertThat(validate(new RawRequest(null, null, npa, null, "1", null, null, null, null, null, null, null,
                    null)).search().areaCode()).isEqualTo(npa);
        }
    }
}
