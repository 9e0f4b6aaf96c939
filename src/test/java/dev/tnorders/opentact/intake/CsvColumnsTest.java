package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvColumnsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "Auto-Renew|autorenew", "AutoRenew|autorenew", "auto renew|autorenew", "auto_renew|autorenew",
            "AUTO.RENEW|autorenew", "autorenew|autorenew",
            "AreaCode|area_code", "area-code|area_code", "Area Code|area_code", "area_code|area_code",
            "request id|request_id", "RequestId|request_id", "Request-ID|request_id",
            "max-nrc|max_nrc", "MaxNRC|max_nrc", "Max MRC|max_mrc",
            "SIP Connection|sip_connection", "SipControlApp|sip_control_app", "sip/control/app|sip_control_app",
            "TN|tn", "Exchange|exchange", "Quantity|quantity", "FILL|fill", "Features|features", "Profile|profile",
            "phone|tn", "Phone Number|tn", "phone_number|tn", "PhoneNumber|tn", "number|tn", "DID|tn", "tel|tn",
            "Telephone|tn", "NPA|area_code", "nxx|exchange", "Qty|quantity", "'  tn  '|tn"})
    void headerNamesMatchIgnoringCaseAndEverySeparatorAndAliasesToo(String name, String field) {
        assertThat(CsvColumns.field(name)).isEqualTo(field);
    }

    @Test
    void namesThatMeanNoFieldAreNotGuessed() {
        assertThat(CsvColumns.field("colour")).isNull();
        assertThat(CsvColumns.field("auto")).isNull();
        assertThat(CsvColumns.field("renew")).isNull();
        assertThat(CsvColumns.field("")).isNull();
        assertThat(CsvColumns.field("tns")).isNull();
    }

    @Test
    void everyFieldIsFoundAtItsColumnAndTheRestIsNamed() {
        CsvColumns c = CsvColumns.of(List.of("Phone Number", "Colour", "Auto-Renew", "", "Notes"));
        assertThat(c.indexOf("tn")).isEqualTo(0);
        assertThat(c.indexOf("autorenew")).isEqualTo(2);
        assertThat(c.indexOf("features")).isNull();
        assertThat(c.unrecognised()).containsExactly("'Colour'", "(column 4, no name)", "'Notes'");
    }

    @Test
    void twoColumnsForOneFieldFailTheFileNamingBoth() {
        assertThatThrownBy(() -> CsvColumns.of(List.of("tn", "features", "Phone")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("field 'tn': the header has two columns for it, 'tn' (column 1) and 'Phone' (column 3); "
                        + "keep one of them");
        assertThatThrownBy(() -> CsvColumns.of(List.of("area_code", "NPA")))
                .hasMessageContaining("'area_code' (column 1) and 'NPA' (column 2)");
        assertThatThrownBy(() -> CsvColumns.of(List.of("tn", "Auto-Renew", "autorenew")))
                .hasMessageContaining("field 'autorenew'").hasMessageContaining("'Auto-Renew' (column 2) and 'autorenew'");
    }

    @Test
    void aHeaderWithoutTnOrAreaCodeFailsTheFile() {
        assertThatThrownBy(() -> CsvColumns.of(List.of("name", "colour")))
                .hasMessageContaining("neither a tn nor an area_code");
    }

    @Test
    void theWarningNamesEveryUnrecognisedColumnAndWhatIsKnown() {
        assertThat(CsvColumns.of(List.of("tn", "Auto-Renew")).warning("f.csv")).isNull();
        String one = CsvColumns.of(List.of("tn", "Colour")).warning("f.csv");
        assertThat(one).startsWith("Order file f.csv: column 'Colour' is not recognised; its values are ignored. "
                + "Known columns (case and separators do not matter): tn (or phone, phone_number, number, did, tel, "
                + "telephone), area_code (or npa), exchange (or nxx), quantity (or qty), fill, features, autorenew, ")
                .endsWith("max_mrc, request_id");
        assertThat(CsvColumns.of(List.of("tn", "Colour", "Notes")).warning("f.csv"))
                .startsWith("Order file f.csv: columns 'Colour', 'Notes' are not recognised; their values are ignored.");
    }

    @Test
    void longOrManyNamesAreCut() {
        String huge = "x".repeat(1000);
        assertThat(CsvColumns.of(List.of("tn", huge)).unrecognised()).containsExactly("'" + "x".repeat(40) + "…'");
        List<String> many = new ArrayList<>(List.of("tn"));
        many.addAll(Collections.nCopies(25, "extra"));
        assertThat(CsvColumns.of(many).warning("f.csv")).contains("'extra', 'extra' and 5 more are not recognised");
    }
}
