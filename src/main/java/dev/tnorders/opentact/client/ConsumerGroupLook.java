package dev.tnorders.opentact.client;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The requests consumer group as Kafka describes it (its members, whether it rebalances, whether
 * this instance's own consumers are in it), in one bounded Admin call per look: what
 * {@link SharedRateLimit} shares the account's limit by.
 */
final class ConsumerGroupLook {

    private final KafkaClientSettings kafka;
    private final String groupId;
    private final long intervalMs;
    private final Supplier<Set<String>> ownMembers;
    private final IntSupplier mine;
    private Admin admin;

    /**
     * @param ownMembers the member ids of this instance's requests consumers now (empty: not known)
     * @param mine       how many consumers this instance has in the group
     */
    ConsumerGroupLook(KafkaClientSettings kafka, String groupId, long intervalMs, Supplier<Set<String>> ownMembers,
                      IntSupplier mine) {
        this.kafka = kafka;
        this.groupId = groupId;
        this.intervalMs = intervalMs;
        this.ownMembers = ownMembers;
        this.mine = mine;
    }

    /** The group's members and state, in one bounded Admin call. */
    RateShare.Group describe() throws Exception {
        try {
            Map<String, ConsumerGroupDescription> d = admin().describeConsumerGroups(List.of(groupId)).all()
                    .get(intervalMs, TimeUnit.MILLISECONDS);
            ConsumerGroupDescription g = d.get(groupId);
            if (g == null) {
                return new RateShare.Group(0, false);
            }
            Collection<MemberDescription> members = g.members();
            Set<String> own = ownMembers.get();
            List<String> ids = members == null ? List.of()
                    : members.stream().map(MemberDescription::consumerId).toList();
            boolean mineSeen = own.size() >= mine.getAsInt() && ids.containsAll(own);
            boolean mineGone = !own.isEmpty() && own.stream().noneMatch(ids::contains);
            return new RateShare.Group(ids.size(), rebalancing(String.valueOf(stateOf(g))), mineSeen, mineGone);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return new RateShare.Group(0, false);
            }
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (KafkaException e) {
            closeAdmin(); // a client that broke is not asked again
            throw e;
        }
    }

    @SuppressWarnings("deprecation") // state(): in every kafka-clients the bundle builds with (3.9 to 4.3)
    private static Object stateOf(ConsumerGroupDescription g) {
        return g.state();
    }

    /** A group state (classic or consumer protocol) in which members are joining or leaving. */
    static boolean rebalancing(String state) {
        return switch (state.toUpperCase(Locale.ROOT).replace("_", "")) {
            case "PREPARINGREBALANCE", "COMPLETINGREBALANCE", "ASSIGNING", "RECONCILING" -> true;
            default -> false;
        };
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties p = kafka.clientProperties("opentact-rate-share");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, intervalMs));
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, intervalMs));
            admin = Admin.create(p);
        }
        return admin;
    }

    private synchronized void closeAdmin() {
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }

    /** At stop: the Admin client closed (waiting a second at most). */
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }
}
