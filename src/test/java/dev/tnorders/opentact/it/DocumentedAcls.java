package dev.tnorders.opentact.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL table of docs/secured-kafka.md ("ACLs the application's principal needs"), read from the
 * file itself, so that the ACL ITs grant exactly what the docs list, no more: a row's resource, its
 * first name in backticks (PREFIXED when the cell goes on "(PREFIXED", else LITERAL) and its operations. The
 * default names are mapped to a test app's own ({@link RunningApp#prefix}).
 */
final class DocumentedAcls {

    static final Path DOC = Path.of("docs", "secured-kafka.md");
    private static final String HEADING = "## ACLs the application's principal needs";
    private static final Pattern ROW = Pattern.compile("^\\|\\s*(Topic|Group|TransactionalId|Cluster)\\s*\\|\\s*`([^`]+)`([^|]*)\\|([^|]+)\\|");

    /** One row of the table. */
    record Row(ResourceType type, String name, PatternType pattern, List<AclOperation> operations) {
    }

    private DocumentedAcls() {
    }

    /** The rows of the table, in the docs' order. */
    static List<Row> rows() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int start = lines.indexOf(HEADING);
        if (start < 0) {
            throw new IllegalStateException(DOC + " has no heading '" + HEADING + "'");
        }
        List<Row> rows = new ArrayList<>();
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
            if (ops.contains(AclOperation.UNKNOWN)) {
                throw new IllegalStateException(DOC + ": an operation of this row is not Kafka's: " + line);
            }
            rows.add(new Row(type, m.group(2), pattern, ops));
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException(DOC + ": no ACL rows under '" + HEADING + "'");
        }
        return rows;
    }

    /** The default name of the docs as the test app {@code app} names it (its topics and groups carry its prefix). */
    static String nameFor(RunningApp app, Row row) {
        String name = row.name();
        return switch (row.type()) {
            case TOPIC -> {
                if (!name.startsWith("opentact.order.")) {
                    throw new IllegalStateException("not a default topic name: " + name);
                }
                yield app.topic(name.substring("opentact.order.".length()));
            }
            case GROUP -> switch (name) {
                case "opentact-order-routes" -> app.prefix + "orders";
                case "opentact-order-routes-file-results" -> app.prefix + "results";
                default -> throw new IllegalStateException("not a default group id: " + name);
            };
            default -> name; // the transactional id's default prefix and the cluster are the same for every app
        };
    }

    /** Exactly the ACLs of the docs for {@code principal} (e.g. "User:orders"), named as {@code app} names them. */
    static List<AclBinding> forApp(RunningApp app, String principal) throws IOException {
        List<AclBinding> acls = new ArrayList<>();
        for (Row row : rows()) {
            for (AclOperation op : row.operations()) {
                acls.add(new AclBinding(new ResourcePattern(row.type(), nameFor(app, row), row.pattern()),
                        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
            }
        }
        return acls;
    }

    /** The topics of the table the app does not create itself (no Create in its row): an operator makes them beforehand. */
    static List<String> topicsToCreate(RunningApp app) throws IOException {
        List<String> topics = new ArrayList<>();
        for (Row row : rows()) {
            if (row.type() == ResourceType.TOPIC && !row.operations().contains(AclOperation.CREATE)) {
                topics.add(nameFor(app, row));
            }
        }
        return topics;
    }
}
