package dev.tnorders.opentact.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import dev.tnorders.opentact.config.OpentactSettings;
import dev.tnorders.opentact.kafka.TransactionalIds;

/**
 * The least set of Kafka ACLs the bundle's principal needs, for the names it is configured with
 * (its topics, group ids and transactional id): the table of docs/secured-kafka.md, which a test
 * checks against this class for the default names. The ACL ITs and the host builds grant exactly
 * these on a broker with Kafka's StandardAuthorizer.
 */
public final class RequiredAcls {

    /** One row: a resource (LITERAL or PREFIXED name) and the operations allowed on it. */
    public record Acl(ResourceType resource, String name, PatternType pattern, List<AclOperation> operations) {
    }

    private RequiredAcls() {
    }

    /**
     * @param settings the value of an {@code opentact.*} key as configured, or null (or blank) for
     *                 its default (opentact-defaults.properties)
     */
    public static List<Acl> forSettings(Function<String, String> settings) {
        Function<String, String> s = key -> {
            String v = settings.apply(key);
            return v == null || v.isBlank() ? OpentactSettings.defaultOf(key) : v.strip();
        };
        String journal = s.apply("opentact.topics.journal");
        String transactionalId = s.apply("opentact.kafka.transactional-id");
        List<Acl> acls = new ArrayList<>();
        // Kafka intake reads it; CSV intake and the Kamelet write to it.
        acls.add(topic(s.apply("opentact.topics.requests"), AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE));
        // Written in the journal's transactions.
        acls.add(topic(s.apply("opentact.topics.outcomes"), AclOperation.DESCRIBE, AclOperation.WRITE));
        // Written in the journal's transactions; the file results route reads it.
        acls.add(topic(s.apply("opentact.topics.numbers"), AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE));
        acls.add(topic(s.apply("opentact.topics.dlq"), AclOperation.DESCRIBE, AclOperation.WRITE));
        // The journal: the app creates it (compacted) unless it exists; the sweeper writes tombstones.
        acls.add(topic(journal, AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE));
        acls.add(topic(s.apply("opentact.topics.control"), AclOperation.DESCRIBE, AclOperation.READ));
        // Each instance's demand and claim on the rate limit: the app creates it (compacted) unless it exists.
        String shares = s.apply("opentact.topics.rate-shares");
        if (shares != null && !shares.isBlank() && !"none".equalsIgnoreCase(shares)) {
            acls.add(topic(shares, AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE));
        }
        // The requests consumers (and their offsets, committed in the journal's transactions), the rate
        // share's member list (Describe, which Read implies), and the control route's <group-id>-control-<uuid>.
        acls.add(new Acl(ResourceType.GROUP, s.apply("opentact.kafka.group-id"), PatternType.PREFIXED,
                List.of(AclOperation.READ)));
        acls.add(new Acl(ResourceType.GROUP, s.apply("opentact.kafka.results-group-id"), PatternType.LITERAL,
                List.of(AclOperation.READ)));
        // The journal's transactional producer; a fenced one is rebuilt as <id>-<suffix>.
        acls.add(new Acl(ResourceType.TRANSACTIONAL_ID,
                transactionalId == null || transactionalId.isBlank()
                        ? TransactionalIds.defaultPrefix(journal) : transactionalId,
                PatternType.PREFIXED, List.of(AclOperation.WRITE, AclOperation.DESCRIBE)));
        // The readiness check's describeCluster.
        acls.add(new Acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, List.of(AclOperation.DESCRIBE)));
        return acls;
    }

    /** The topics among {@code acls} that the app does not create itself: an operator makes them beforehand. */
    public static List<String> topicsToCreate(List<Acl> acls) {
        return acls.stream().filter(a -> a.resource() == ResourceType.TOPIC && !a.operations().contains(AclOperation.CREATE))
                .map(Acl::name).toList();
    }

    /** The ACL bindings that allow {@code principal} (e.g. {@code User:orders}) every row of {@code acls}, from any host. */
    public static List<AclBinding> bindings(List<Acl> acls, String principal) {
        List<AclBinding> bindings = new ArrayList<>();
        for (Acl acl : acls) {
            for (AclOperation op : acl.operations()) {
                bindings.add(new AclBinding(new ResourcePattern(acl.resource(), acl.name(), acl.pattern()),
                        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
            }
        }
        return bindings;
    }

    private static Acl topic(String name, AclOperation... operations) {
        return new Acl(ResourceType.TOPIC, name, PatternType.LITERAL, List.of(operations));
    }
}
