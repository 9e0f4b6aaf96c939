package dev.tnorders.opentact.trace;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallNamesTest {

    @Test
    void theCallsOfTheLifecycleKeepTheirPaths() {
        assertThat(CallNames.spanName("POST", "/rest/order/price")).isEqualTo("opentact POST /rest/order/price");
        assertThat(CallNames.spanName("POST", "/rest/tn/search")).isEqualTo("opentact POST /rest/tn/search");
        assertThat(CallNames.spanName("POST", "/rest/order/tn")).isEqualTo("opentact POST /rest/order/tn");
        assertThat(CallNames.spanName("POST", "/rest/lease/tn/search")).isEqualTo("opentact POST /rest/lease/tn/search");
    }

    @Test
    void whatVariesBecomesAnIdAndTheQueryIsLeftOut() {
        assertThat(CallNames.spanName("GET", "/rest/order/3f2b8c1e-9d4a-4b7e-8f00-1234567890ab"))
                .isEqualTo("opentact GET /rest/order/{id}");
        assertThat(CallNames.template("/rest/tn/12029822917")).isEqualTo("/rest/tn/{id}");
        assertThat(CallNames.template("/rest/tn/+12029822917/x")).isEqualTo("/rest/tn/{id}/x");
        assertThat(CallNames.template("/rest/lease/tn?bearer=secret&take=1")).isEqualTo("/rest/lease/tn");
        assertThat(CallNames.template("/rest/Order")).as("not a lower-case word").isEqualTo("/rest/{id}");
        assertThat(CallNames.template("/rest/abcdefghijklmnopqrstuvwxyz")).as("too long for a word").isEqualTo("/rest/{id}");
        assertThat(CallNames.template(null)).isEqualTo("/");
        assertThat(CallNames.template("")).isEqualTo("/");
    }

    @Test
    void anOddMethodIsNotNamed() {
        assertThat(CallNames.spanName("get me 1.25", "/rest")).isEqualTo("opentact HTTP /rest");
        assertThat(CallNames.spanName(null, "/rest")).isEqualTo("opentact HTTP /rest");
    }
}
