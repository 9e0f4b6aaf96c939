package dev.tnorders.opentact.intake;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.Feature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvRequestReaderTest {

    private final CsvRequestReader reader = new CsvRequestReader(new RequestValidator());

    private List<CsvItem> read(String content) {
        return read(content.getBytes(StandardCharsets.UTF_8));
    }

    private List<CsvItem> read(byte[] content) {
        Iterator<CsvItem> it = reader.read(new ByteArrayInputStream(content), "orders.csv", "abc123", "now");
        List<CsvItem> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static List<CsvItem.Accepted> accepted(List<CsvItem> items) {
        return items.stream().filter(CsvItem.Accepted.class::isInstance).map(CsvItem.Accepted.class::cast).toList();
    }

    private static List<CsvItem.Rejected> rejected(List<CsvItem> items) {
        return items.stream().filter(CsvItem.Rejected.class::isInstance).map(CsvItem.Rejected.class::cast).toList();
    }

    @Test
    void eachRowIsARequestWithAStableIdAndItsLine() {
        List<CsvItem> items = read("tn,features,autorenew\n+1 202 982 2917,voice;sms,true\n(202) 555-0143,fax|voice,no\n");
        List<CsvItem.Accepted> ok = accepted(items);
        assertThat(ok).hasSize(2);
        assertThat(ok.get(0).request().requestId()).isEqualTo("csv-abc123-2");
        assertThat(ok.get(0).request().source().line()).isEqualTo(2);
        assertThat(ok.get(1).request().tns()).containsExactly("+12025550143");
        assertThat(ok.get(1).request().features()).containsExactlyInAnyOrder(Feature.FAX, Feature.VOICE);
        assertThat(ok.get(1).request().autorenew()).isFalse();
    }

    @Test
    void bomSemicolonsCrlfQuotesAndHeaderSpellings() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        String body = "TN;Features;Max-NRC;Request ID\r\n\"(202) 982-2917\";\"voice;sms\";1.00;A\r\n=\"2025550143\";\"sms;voice\";1.00;A\r\n";
        byte[] all = new byte[bom.length + body.length()];
        System.arraycopy(bom, 0, all, 0, 3);
        System.arraycopy(body.getBytes(StandardCharsets.UTF_8), 0, all, 3, body.length());
        List<CsvItem> items = read(all);
        assertThat(rejected(items)).isEmpty();
        List<CsvItem.Accepted> ok = accepted(items);
        assertThat(ok).hasSize(1);
        assertThat(ok.get(0).request().tns()).containsExactly("+12029822917", "+12025550143");
        assertThat(ok.get(0).request().maxNrc()).isEqualByComparingTo("1.00");
        assertThat(ok.get(0).request().features()).containsExactlyInAnyOrder(Feature.VOICE, Feature.SMS);
    }

    @Test
    void rowsSharingARequestIdBecomeOneRequest() {
        List<CsvItem> items = read("request_id,tn\nA,2029822917\nB,2012000001\nA,2025550143\n");
        List<CsvItem.Accepted> ok = accepted(items);
        assertThat(ok).hasSize(2);
        assertThat(ok.get(0).request().requestId()).isEqualTo("A");
        assertThat(ok.get(0).request().tns()).containsExactly("+12029822917", "+12025550143");
    }

    @Test
    void badRowsAreRejectedWithTheFieldAndTheRestGoesOn() {
        List<CsvItem> items = read("tn,features\n2029822917,voice\nnot-a-number,voice\n2025550143,smoke\n2012000001\n");
        assertThat(accepted(items)).hasSize(1);
        List<CsvItem.Rejected> bad = rejected(items);
        assertThat(bad).extracting(CsvItem.Rejected::line).containsExactly(3L, 4L, 5L);
        assertThat(bad.get(0).reason()).contains("field 'tn'");
        assertThat(bad.get(0).values()).containsExactly("not-a-number", "voice");
        assertThat(bad.get(1).reason()).contains("field 'features'").contains("smoke");
        assertThat(bad.get(2).reason()).contains("1 cells but the header has 2");
    }

    @Test
    void criteriaRows() {
        List<CsvItem.Accepted> ok = accepted(read("area_code,exchange,quantity,fill\n201,777,3,partial\n"));
        assertThat(ok.get(0).request().search().pattern()).isEqualTo("201777****");
    }

    @Test
    void filesThatCannotBeReadSaySo() {
        assertThatThrownBy(() -> read("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> read("name,colour\nx,y\n")).hasMessageContaining("neither a tn nor an area_code");
        assertThatThrownBy(() -> read("tn,TN\n1,2\n")).hasMessageContaining("two columns for it, 'tn' (column 1) and 'TN'");
        assertThatThrownBy(() -> read("tn,Phone Number\n1,2\n"))
                .hasMessageContaining("field 'tn': the header has two columns for it, 'tn' (column 1) and 'Phone Number'");
        assertThatThrownBy(() -> read(new byte[] {(byte) 0xC3, 0x28, 0x0A})).hasMessageContaining("UTF-8");
    }

    @Test
    void autoRenewSpeltAnyWayIsTheAutorenewColumn() {
        List<CsvItem> items = read("Phone Number,Auto-Renew\n2029822917,no\n2025550143,maybe\n2012000001,YES\n");
        List<CsvItem.Accepted> ok = accepted(items);
        assertThat(ok).hasSize(2);
        assertThat(ok.get(0).request().tns()).containsExactly("+12029822917");
        assertThat(ok.get(0).request().autorenew()).isFalse();
        assertThat(ok.get(1).request().autorenew()).isTrue();
        List<CsvItem.Rejected> bad = rejected(items);
        assertThat(bad).singleElement().satisfies(r -> {
            assertThat(r.line()).isEqualTo(3);
            assertThat(r.reason()).isEqualTo("field 'autorenew': must be true/false, yes/no or 1/0 (got 'maybe')");
            assertThat(r.header()).containsExactly("Phone Number", "Auto-Renew");
        });
        for (String header : List.of("AutoRenew", "auto renew", "auto_renew", "AUTO.RENEW")) {
            assertThat(accepted(read("tn," + header + "\n2029822917,0\n")).get(0).request().autorenew())
                    .as(header).isFalse();
        }
    }

    @Test
    void aliasesAndSeparatorFreeNamesForEveryKindOfColumn() {
        CsvItem.Accepted byCriteria = accepted(read("NPA;NXX;Qty;Fill\n201;777;3;partial\n")).get(0);
        assertThat(byCriteria.request().search().pattern()).isEqualTo("201777****");
        assertThat(byCriteria.request().search().quantity()).isEqualTo(3);
        CsvItem.Accepted byName = accepted(read("RequestId,DID,MaxNRC,max-mrc,SIP Connection,AreaCode\n"
                + "A,2029822917,1.50,2.50,3b1c1e6c-4a1b-4f7c-9a53-3d1f6b2f0c11,\n")).get(0);
        assertThat(byName.request().requestId()).isEqualTo("A");
        assertThat(byName.request().tns()).containsExactly("+12029822917");
        assertThat(byName.request().maxNrc()).isEqualByComparingTo("1.50");
        assertThat(byName.request().maxMrc()).isEqualByComparingTo("2.50");
        assertThat(byName.request().sipConnection()).isEqualTo("3b1c1e6c-4a1b-4f7c-9a53-3d1f6b2f0c11");
    }

    @Test
    void unrecognisedColumnsAreNamedAndChangeNothingOrdered() {
        String withExtras = "tn,Colour,autorenew,Notes\n2029822917,red,no,autorenew=yes\n";
        var items = reader.read(new ByteArrayInputStream(withExtras.getBytes(StandardCharsets.UTF_8)), "orders.csv",
                "abc123", "now");
        assertThat(items.columns().unrecognised()).containsExactly("'Colour'", "'Notes'");
        assertThat(items.columns().warning("orders.csv")).startsWith("Order file orders.csv: columns 'Colour', 'Notes'"
                + " are not recognised; their values are ignored.");
        List<CsvItem> withThem = new ArrayList<>();
        items.forEachRemaining(withThem::add);
        List<CsvItem> without = read("tn,autorenew\n2029822917,no\n");
        assertThat(accepted(withThem)).hasSize(1);
        assertThat(accepted(withThem).get(0).request()).isEqualTo(accepted(without).get(0).request());
        // A rejected row keeps them, as written, for the rejects file.
        CsvItem.Rejected bad = rejected(read("tn,Colour\n12345,red\n")).get(0);
        assertThat(bad.header()).containsExactly("tn", "Colour");
        assertThat(bad.values()).containsExactly("12345", "red");
    }

    @Test
    void twoUnrecognisedColumnsOfOneNameAreBothNamedNotAnError() {
        var items = reader.read(new ByteArrayInputStream("tn,note,note\n2029822917,a,b\n".getBytes(StandardCharsets.UTF_8)),
                "orders.csv", "abc123", "now");
        assertThat(items.columns().unrecognised()).containsExactly("'note'", "'note'");
        assertThat(items.next()).isInstanceOf(CsvItem.Accepted.class);
    }

    @Test
    void headerOnlyFileHasNoItems() {
        assertThat(read("tn,features\n")).isEmpty();
    }
}
