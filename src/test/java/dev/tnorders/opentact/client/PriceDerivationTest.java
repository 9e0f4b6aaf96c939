package dev.tnorders.opentact.client;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tnorders.opentact.model.Feature;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The derivation of one number's price, as a table: requested features × item fields × totals
 * → one number's nrc and mrc and the order's totals, or a refusal naming the field.
 *
 * <p>Items are separated by {@code /}, fields by {@code ,}; a value is a decimal string, a value
 * written {@code #1.00} a JSON number, {@code null} a JSON null, {@code !x} the string x. A field
 * left out is missing.
 */
public class PriceDerivationTest {

    @ParameterizedTest(name = "[{index}] {0} | {1} | {2} x{3} -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # features      | items                                                                  | totals                | n | expected: nrc mrc totalNrc totalMrc, or refused: words
            # --- base prices only, features priced 0
            voice sms       | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=0,sms_mrc=0           | nrc=#1.00,mrc=#0.50   | 1 | 1.00 0.50 1.00 0.50
            # --- requested features are added to the base price
            voice sms       | nrc=1.00,mrc=0.50,voice_nrc=0.10,voice_mrc=0.20,sms_nrc=0.05,sms_mrc=0.25 | nrc=#1.15,mrc=#0.95 | 1 | 1.15 0.95 1.15 0.95
            # --- features not asked for are not counted, even when priced (or missing)
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=9.00,sms_mrc=9.00     | nrc=#1.00,mrc=#0.50   | 1 | 1.00 0.50 1.00 0.50
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | nrc=#1.00,mrc=#0.50   | 1 | 1.00 0.50 1.00 0.50
            mms fax emergency | nrc=1,mrc=1,mms_nrc=0.5,mms_mrc=0.5,fax_nrc=0.25,fax_mrc=0.25,emergency_nrc=1,emergency_mrc=2 | nrc=#2.75,mrc=#3.75 | 1 | 2.75 3.75 2.75 3.75
            # --- usage costs are neither nrc nor mrc
            sms             | nrc=1.00,mrc=0.50,sms_nrc=0,sms_mrc=0,sms_per_send_cost=5.00,sms_per_receive_cost=5.00 | nrc=#1.00,mrc=#0.50 | 1 | 1.00 0.50 1.00 0.50
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,voice_incoming_per_min_cost=5,voice_outgoing_per_min_cost=5 | nrc=#1.00,mrc=#0.50 | 1 | 1.00 0.50 1.00 0.50
            # --- several groups: the dearest, for nrc and mrc each
            voice           | nrc=1.05,mrc=0.50,voice_nrc=0,voice_mrc=0 / nrc=1.50,mrc=0.25,voice_nrc=0,voice_mrc=0 | nrc=#2.55,mrc=#0.75 | 2 | 1.50 0.50 3.00 1.00
            sms             | nrc=1.00,mrc=0.50,sms_nrc=0,sms_mrc=0.40 / nrc=1.20,mrc=0.60,sms_nrc=0,sms_mrc=0 | nrc=#2.20,mrc=#2.00 | 2 | 1.20 1.00 2.40 2.00
            # --- totals more than the items say: the totals per number win (rounded up)
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | nrc=#4.00,mrc=#0.50   | 2 | 2.00 0.50 4.00 1.00
            voice           | nrc=0.10,mrc=0.10,voice_nrc=0,voice_mrc=0                               | nrc=#1.00,mrc=#0.30   | 3 | 0.333334 0.10 1.000002 0.30
            # --- totals less than the items say (e.g. features left out of them): the items win
            voice sms       | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=0,sms_mrc=0.75        | nrc=#2.00,mrc=#1.00   | 2 | 1.00 1.25 2.00 2.50
            # --- totals as decimal strings, exact JSON numbers
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | nrc=1.00,mrc=0.50     | 1 | 1.00 0.50 1.00 0.50
            voice           | nrc=#1.00,mrc=#0.50,voice_nrc=#0,voice_mrc=#0                           | nrc=#1.00,mrc=#0.5000000000000001 | 1 | 1.00 0.5000000000000001 1.00 0.5000000000000001
            # --- refusals: no items
            voice           |                                                                        | nrc=#1.00,mrc=#0.50   | 1 | refused: has no items
            # --- refusals: a base price missing, null or not a decimal
            voice           | mrc=0.50,voice_nrc=0,voice_mrc=0                                        | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable nrc for item 1;
            voice           | nrc=1.00,voice_nrc=0,voice_mrc=0                                        | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable mrc for item 1;
            voice           | nrc=1.00,mrc=null,voice_nrc=0,voice_mrc=0                               | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable mrc for item 1;
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0 / nrc=!free,mrc=0.50,voice_nrc=0,voice_mrc=0 | nrc=#1.00,mrc=#0.50 | 2 | refused: no readable nrc for item 2 (got 'free')
            voice           | nrc=-1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                              | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable nrc for item 1 (got '-1.00', a negative price)
            # --- refusals: a requested feature's price missing or not a decimal
            voice sms       | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=0                     | nrc=#1.00,mrc=#0.50   | 1 | refused: Opentact's price has no readable sms_mrc for item 1;
            voice sms       | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=!none,sms_mrc=0        | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable sms_nrc for item 1 (got 'none')
            emergency       | nrc=1.00,mrc=0.50                                                       | nrc=#1.00,mrc=#0.50   | 1 | refused: no readable emergency_nrc for item 1;
            # --- refusals: totals missing or unreadable
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | mrc=#0.50             | 1 | refused: no readable total nrc;
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | nrc=#1.00             | 1 | refused: no readable total mrc;
            voice           | nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0                               | nrc=#1.00,mrc=!lots   | 1 | refused: no readable total mrc (got 'lots')
            """)
    void derivesOneNumbersPriceOrRefuses(String features, String items, String totals, int numbers, String expected) {
        PriceQuote q = PriceDerivation.derive(payload(items, totals), features(features), numbers);
        if (expected.startsWith("refused: ")) {
            assertThat(q.isReadable()).isFalse();
            assertThat(q.refusal()).contains(expected.substring("refused: ".length())).startsWith("Opentact's price")
                    .endsWith("; nothing was ordered");
            assertThat(q.maxNumberNrc()).isNull();
            assertThat(q.totalNrc()).isNull();
            return;
        }
        String[] e = expected.split(" ");
        assertThat(q.refusal()).isNull();
        assertThat(q.maxNumberNrc().toPlainString()).isEqualTo(e[0]);
        assertThat(q.maxNumberMrc().toPlainString()).isEqualTo(e[1]);
        assertThat(q.totalNrc()).isEqualByComparingTo(e[2]);
        assertThat(q.totalMrc()).isEqualByComparingTo(e[3]);
        assertThat(q.priceGroups()).isEqualTo(items.split("/").length);
    }

    @Test
    void neverLessThanTheTotalsNorThanTheItems() {
        PriceQuote q = PriceDerivation.derive(payload("nrc=0.10,mrc=0.10,voice_nrc=0,voice_mrc=0", "nrc=#1.00,mrc=#0.30"),
                EnumSet.of(Feature.VOICE), 3);
        assertThat(q.maxNumberNrc().multiply(BigDecimal.valueOf(3))).isGreaterThanOrEqualTo(new BigDecimal("1.00"));
        assertThat(q.totalNrc()).isGreaterThanOrEqualTo(new BigDecimal("1.00"));
    }

    @Test
    void noPayloadOrNoNumbersIsNoPrice() {
        assertThat(PriceDerivation.derive(null, EnumSet.of(Feature.VOICE), 1).refusal()).contains("no payload");
        assertThat(PriceDerivation.derive(payload("nrc=1,mrc=1,voice_nrc=0,voice_mrc=0", "nrc=#1,mrc=#1"),
                EnumSet.of(Feature.VOICE), 0).isReadable()).isFalse();
        ObjectNode notAnObject = OpentactResponses.MAPPER.createObjectNode().put("nrc", 1).put("mrc", 1);
        notAnObject.putArray("items").add("1.00");
        assertThat(PriceDerivation.derive(notAnObject, EnumSet.of(Feature.VOICE), 1).refusal())
                .contains("item 1 is not an object");
    }

    @Test
    void theSeedsSampleAnswerIsAPriceOfZero() {
        // Seed 001's GetOrderPrice sample, every field as documented.
        ApiResponse r = new OpentactResponses().read("""
                {"success": true, "payload": {"nrc": 0, "mrc": 0, "items": [{"nrc": "0", "mrc": "0",
                 "voice_nrc": "0", "voice_mrc": "0", "voice_incoming_per_min_cost": "0", "voice_outgoing_per_min_cost": "0",
                 "fax_nrc": "0", "fax_mrc": "0", "fax_incoming_per_min_cost": "0", "fax_outgoing_per_min_cost": "0",
                 "emergency_nrc": "0", "emergency_mrc": "0", "emergency_incoming_per_min_cost": "0",
                 "emergency_outgoing_per_min_cost": "0", "sms_nrc": "0", "sms_mrc": "0", "sms_per_send_cost": "0",
                 "sms_per_receive_cost": "0", "mms_nrc": "0", "mms_mrc": "0", "mms_per_send_cost": "0",
                 "mms_per_receive_cost": "0", "id": "string", "name": "string", "description": "string"}]}}""", 200, null);
        PriceQuote q = PriceDerivation.derive(r.payload(), EnumSet.allOf(Feature.class), 1);
        assertThat(q.isReadable()).isTrue();
        assertThat(q.maxNumberNrc()).isEqualByComparingTo("0");
        assertThat(q.totalMrc()).isEqualByComparingTo("0");
    }

    private static Set<Feature> features(String names) {
        Set<Feature> out = EnumSet.noneOf(Feature.class);
        for (String n : names.trim().split("\\s+")) {
            out.add(Feature.parse(n).orElseThrow());
        }
        return out;
    }

    public static JsonNode payload(String items, String totals) {
        ObjectNode p = OpentactResponses.MAPPER.createObjectNode();
        fields(p, totals);
        ArrayNode list = p.putArray("items");
        if (items != null && !items.isBlank()) {
            for (String item : items.split("/")) {
                fields(list.addObject(), item);
            }
        }
        return p;
    }

    private static void fields(ObjectNode node, String spec) {
        if (spec == null || spec.isBlank()) {
            return;
        }
        for (String kv : spec.trim().split(",")) {
            String[] pair = kv.trim().split("=", 2);
            String v = pair[1];
            if (v.equals("null")) {
                node.putNull(pair[0]);
            } else if (v.startsWith("#")) {
                node.put(pair[0], new BigDecimal(v.substring(1)));
            } else if (v.startsWith("!")) {
                node.put(pair[0], v.substring(1));
            } else {
                node.put(pair[0], v);
            }
        }
    }
}
