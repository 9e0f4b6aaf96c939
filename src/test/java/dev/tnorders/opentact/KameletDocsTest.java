package dev.tnorders.opentact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parameter table of the Kamelet in docs/embedding.md ("Kamelet opentact-order-sink") says what the
 * Kamelet file's {@code spec.definition} says: the same parameters in the same order, with the
 * same types, defaults and required ones, and no secret among them. Either changes only with the other.
 */
class KameletDocsTest {

    private static final Path KAMELET = Path.of("src/main/resources/kamelets/opentact-order-sink.kamelet.yaml");
    private static final Path DOCS = Path.of("docs/embedding.md");
    private static final String HEADING = "## Kamelet `opentact-order-sink`";

    /** One row of the docs table: parameter, type, default ("required" when there is none), description. */
    record Row(String name, String type, String defaultValue, String description) {
    }

    @Test
    void theDocsTableMatchesTheKameletDefinition() throws IOException {
        Map<String, Object> definition = definition();
        Map<String, Map<String, Object>> properties = properties(definition);
        List<Row> rows = docsRows();

        assertThat(rows).extracting(Row::name).containsExactlyElementsOf(properties.keySet());
        @SuppressWarnings("unchecked")
        List<Object> required = (List<Object>) definition.get("required");
        for (Row row : rows) {
            Map<String, Object> property = properties.get(row.name());
            assertThat(row.type()).as(row.name() + " type").isEqualTo(property.get("type"));
            if (property.containsKey("default")) {
                assertThat(row.defaultValue()).as(row.name() + " default").isEqualTo("`" + property.get("default") + "`");
                assertThat(required).as(row.name() + " has a default, so it is not required").doesNotContain(row.name());
            } else {
                assertThat(row.defaultValue()).as(row.name() + " default").isEqualTo("required");
                assertThat(required).as(row.name() + " has no default, so it is required").contains(row.name());
            }
            assertThat(row.description()).as(row.name() + " description").isNotBlank();
            assertThat((String) property.get("description")).as(row.name() + " description in the Kamelet").isNotBlank();
            assertThat((String) property.get("title")).as(row.name() + " title in the Kamelet").isNotBlank();
        }
        assertThat(required).allSatisfy(name -> assertThat(properties).containsKey((String) name));
    }

    @Test
    void noParameterIsSecretAndTheDocsSaySo() throws IOException {
        // A secret parameter would be marked as apache/camel-kamelets does (format: password and the
        // password x-descriptor); the sink talks only to Kafka, so it has none, and the docs say so.
        for (Map.Entry<String, Map<String, Object>> p : properties(definition()).entrySet()) {
            assertThat(p.getValue().get("format")).as(p.getKey()).isNotEqualTo("password");
            assertThat(String.valueOf(p.getValue().get("x-descriptors"))).as(p.getKey()).doesNotContain("password");
        }
        assertThat(section()).contains("none is secret");
    }

    @Test
    void theKameletIsASinkNamedAsItsFileAndReadsFromKameletSource() throws IOException {
        Map<String, Object> kamelet = kamelet();
        assertThat(kamelet).containsEntry("apiVersion", "camel.apache.org/v1").containsEntry("kind", "Kamelet");
        Map<String, Object> metadata = map(kamelet.get("metadata"));
        assertThat(metadata).containsEntry("name", "opentact-order-sink");
        assertThat(map(metadata.get("labels"))).containsEntry("camel.apache.org/kamelet.type", "sink");
        Map<String, Object> definition = definition();
        assertThat((String) definition.get("title")).isNotBlank();
        assertThat((String) definition.get("description")).isNotBlank();
        Map<String, Object> from = map(map(map(kamelet.get("spec")).get("template")).get("from"));
        assertThat(from).containsEntry("uri", "kamelet:source");
    }

    private static Map<String, Object> kamelet() throws IOException {
        return map(new Load(LoadSettings.builder().build()).loadFromString(Files.readString(KAMELET)));
    }

    private static Map<String, Object> definition() throws IOException {
        return map(map(kamelet().get("spec")).get("definition"));
    }

    private static Map<String, Map<String, Object>> properties(Map<String, Object> definition) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        map(definition.get("properties")).forEach((name, value) -> out.put(name, map(value)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    /** The section of docs/embedding.md under the Kamelet's heading, up to the next heading. */
    private static String section() throws IOException {
        String docs = Files.readString(DOCS);
        int start = docs.indexOf(HEADING);
        assertThat(start).as(DOCS + " heading " + HEADING).isNotNegative();
        int end = docs.indexOf("\n#", start + HEADING.length());
        return docs.substring(start, end < 0 ? docs.length() : end);
    }

    private static List<Row> docsRows() throws IOException {
        List<Row> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : section().split("\n")) {
            if (line.startsWith("| parameter | type | default | description |")) {
                inTable = true;
            } else if (inTable && line.startsWith("| ---")) {
                continue;
            } else if (inTable && line.startsWith("|")) {
                String[] cells = line.substring(1, line.length() - 1).split("\\|", 4);
                assertThat(cells).as(line).hasSize(4);
                String name = cells[0].strip();
                assertThat(name).as(line).startsWith("`").endsWith("`");
                rows.add(new Row(name.substring(1, name.length() - 1), cells[1].strip(), cells[2].strip(), cells[3].strip()));
            } else if (inTable) {
                break;
            }
        }
        assertThat(rows).as("rows of the Kamelet table in " + DOCS).isNotEmpty();
        return rows;
    }
}
