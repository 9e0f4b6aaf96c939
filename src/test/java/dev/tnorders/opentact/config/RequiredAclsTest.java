package dev.tnorders.opentact.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.kafka.TransactionalIds;

import static org.assertj.core.api.Assertions.assertThat;

class RequiredAclsTest {

    private static final Path DOC = Path.of("docs", "secured-kafka.md");
    private static final String HEADING = "## ACLs the application's principal needs";
    private static final Pattern ROW = Pattern.compile(
            "^\\|\\s*(Topic|Group|TransactionalId|Cluster)\\s*\\|\\s*`([^`]+)`([^|]*)\\|([^|]+)\\|");

    /**
     * The table of docs/secured-kafka.md: per row, the resource, its first name in backticks
     * (PREFIXED when the cell goes on "(PREFIXED", else LITERAL) and the operations.
     */
    private static List<RequiredAcls.Acl> documented() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int start = lines.indexOf(HEADING);
        assertThat(start).as(DOC + " has the heading '" + HEADING + "'").isNotNegative();
        List<RequiredAcls.Acl> rows = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            Matcher m = ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            ResourceType type = switch (m.group(1)) {
                case "Topic" -> ResourceType.TOPIC;
                case "Group" -> ResourceType.GROUP;
                case "TransactionalId" -> ResourceType.TRANSACTIONAL_ID;
                default -> ResourceType.CLUSTER;
            };
            PatternType pattern = m.group(3).trim().startsWith("(PREFIXED") ? PatternType.PREFIXED : PatternType.LITERAL;
            List<AclOperation> ops = new ArrayList<>();
            for (String op : m.group(4).split(",")) {
                ops.add(AclOperation.fromString(op.trim().replace(" ", "").toUpperCase(Locale.ROOT)));
            }
            rows.add(new RequiredAcls.Acl(type, m.group(2), pattern, ops));
        }
        return rows;
    }

    @Test
    void theDocsTableIsWhatTheBundleNeedsWithTheDefaultNames() throws IOException {
        List<RequiredAcls.Acl> documented = documented();
        assertThat(documented).hasSize(11).allSatisfy(a -> assertThat(a.operations()).doesNotContain(AclOperation.UNKNOWN));
        assertThat(documented).containsExactlyElementsOf(RequiredAcls.forSettings(key -> null));
    }

    @Test
    void theNamesComeFromTheSettings() {
        Map<String, String> settings = Map.of("opentact.topics.requests", "crm.requests", "opentact.topics.journal",
                "crm.journal", "opentact.kafka.group-id", "crm", "opentact.kafka.results-group-id", "crm-results");
        List<RequiredAcls.Acl> acls = RequiredAcls.forSettings(settings::get);
        assertThat(acls).extracting(RequiredAcls.Acl::name).contains("crm.requests", "crm.journal", "crm", "crm-results",
                "opentact.order.outcomes", "opentact-order-routes-crm.journal-", "kafka-cluster");
        assertThat(RequiredAcls.topicsToCreate(acls)).containsExactly("crm.requests", "opentact.order.outcomes",
                "opentact.order.numbers", "opentact.order.dlq", "opentact.order.control");
        assertThat(RequiredAcls.forSettings(Map.of("opentact.kafka.transactional-id", "orders-a")::get))
                .filteredOn(a -> a.resource() == ResourceType.TRANSACTIONAL_ID)
                .containsExactly(new RequiredAcls.Acl(ResourceType.TRANSACTIONAL_ID, "orders-a", PatternType.PREFIXED,
                        List.of(AclOperation.WRITE, AclOperation.DESCRIBE)));
    }

    @Test
    void theBindingsAllowThePrincipalEachOperationFromAnyHost() {
        var bindings = RequiredAcls.bindings(RequiredAcls.forSettings(key -> null), "User:orders");
        assertThat(bindings).hasSize(25).allSatisfy(b -> {
            assertThat(b.entry().principal()).isEqualTo("User:orders");
            assertThat(b.entry().host()).isEqualTo("*");
        });
        // The default transactional id of a start falls under the PREFIXED name.
        assertThat(TransactionalIds.newDefault("opentact.order.journal"))
                .startsWith(TransactionalIds.defaultPrefix("opentact.order.journal"));
    }
}
