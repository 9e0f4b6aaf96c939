package dev.tnorders.opentact.client;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The account's rate limit towards Opentact, one limit over every instance: this instance's share
 * ({@link RateShare}) of {@code opentact.api.rate-limit} calls per
 * {@code opentact.api.rate-limit-window-ms}, after the members of the requests consumer group
 * ({@code opentact.kafka.group-id}), looked up with Kafka's Admin API every
 * {@code opentact.api.rate-share-interval-ms} (each look bounded by the same time).
 *
 * <p>The Throttles of route {@code opentact-call} read it for each call: {@link #callsPerWindow()}
 * per window, and {@link #callsPerSlice()} per slice of about 100 ms ({@link RateLimitSlices}), so
 * that the share goes out in small bursts. A change is logged.
 */
public class SharedRateLimit {

    private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimit.class);

    /** What one look at the group found; null when Kafka did not answer (it logs why). */
    @FunctionalInterface
    interface GroupLook {
        RateShare.Group look() throws Exception;
    }

    private final String groupId;
    private final long windowMs;
    private final long intervalMs;
    private final LongSupplier clock;
    private final RateShare rule;
    private final GroupLook look;
    private final KafkaClientSettings kafka;
    private Admin admin;
    private ScheduledExecutorService refresher;
    private volatile long perWindow;
    private volatile long perSlice;
    private final LongSupplier lookedNanos;
    private final long staleNanos;
    private volatile long lastLookNanos;
    private boolean failing;
    private final RollingWindow sent;
    /** Turns taken since the start (a signal for the in-flight limit, {@link #turnsTaken()}). */
    private final java.util.concurrent.atomic.LongAdder turnsTaken = new java.util.concurrent.atomic.LongAdder();
    /** The member ids of this instance's requests consumers now (empty: not known). */
    private volatile java.util.function.Supplier<java.util.Set<String>> ownMembers = java.util.Set::of;

    /** As beans.camel.yaml makes it: the group looked up in Kafka with these client settings. */
    public SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                           long intervalMs, int severalPercent) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, System::currentTimeMillis, null, severalPercent);
    }

    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, RateShare.SEVERAL_PERCENT);
    }

    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look, int severalPercent) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, severalPercent, System::nanoTime);
    }

    /** @param nanos the monotonic clock of the share's lease ({@link #stale}) */
    SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                    long intervalMs, LongSupplier clock, GroupLook look, int severalPercent, LongSupplier nanos) {
        this(kafka, groupId, limit, windowMs, consumers, intervalMs, clock, look, severalPercent, nanos, true);
    }

    private SharedRateLimit(KafkaClientSettings kafka, String groupId, long limit, long windowMs, int consumers,
                            long intervalMs, LongSupplier clock, GroupLook look, int severalPercent, LongSupplier nanos,
                            boolean inAGroup) {
        if (intervalMs <= 0) {
            throw new IllegalArgumentException("opentact.api.rate-share-interval-ms must be positive, was " + intervalMs);
        }
        RateLimitSlices.slicesPerWindow(windowMs); // refuses a window that is not positive, by name
        this.kafka = kafka;
        this.groupId = groupId;
        this.windowMs = windowMs;
        this.intervalMs = intervalMs;
        this.clock = clock;
        // A member that joins waits for every other member's next look (an interval, and the look's
        // own time, at most another) and for the end of the window their old share counted in.
        this.rule = new RateShare(limit, consumers, clock.getAsLong(), severalPercent,
                inAGroup ? 2 * intervalMs + windowMs : 0, inAGroup);
        this.look = look != null ? look : this::describeGroup;
        this.lookedNanos = nanos;
        this.staleNanos = TimeUnit.MILLISECONDS.toNanos(STALE_INTERVALS * intervalMs);
        this.lastLookNanos = nanos.getAsLong();
        this.sent = new RollingWindow(TimeUnit.MILLISECONDS.toNanos(windowMs));
        apply(rule.share());
    }

    /**
     * The whole limit for this instance, never looking at a group: for a host or a test that runs
     * one instance and no requests consumer group. Kept before {@link #start()} too.
     */
    public static SharedRateLimit alone(long limit, long windowMs) {
        SharedRateLimit l = new SharedRateLimit(null, "(none)", limit, windowMs, 1, 1000, System::currentTimeMillis,
                () -> new RateShare.Group(0, false), RateShare.SEVERAL_PERCENT, () -> 0L, false); // alone: never stale
        l.refresh();
        return l;
    }

    /**
     * Tells how to know this instance's own members in the group (the requests consumers' member
     * ids): once they are all in it, this instance has joined, even when the group did not grow (a
     * restarted instance whose static members took their old places).
     */
    public void ownMembers(java.util.function.Supplier<java.util.Set<String>> ids) {
        this.ownMembers = ids == null ? java.util.Set::of : ids;
    }

    /**
     * Calls per window for the Throttle of the whole window: the share, at least one (a Throttle
     * cannot hold every call back; {@link #awaitTurn} does while the share is 0 or stale).
     */
    public int callsPerWindow() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, share()));
    }

    /**
     * The calls per window this instance may make now: its share, or 0 while it is not counted by
     * the other members yet ({@link RateShare}) or while the share is stale ({@link #stale}).
     */
    public long share() {
        return stale() ? 0 : perWindow;
    }

    /**
     * On the thread that sends, after every queue: waits until fewer than {@link #share()} calls
     * left this instance in the window ending now (by the monotonic clock), and takes that turn.
     * Calls Camel's Throttles released together (after a pause of this JVM, or at a window's edge)
     * leave one turn at a time, so the calls of this instance in any rolling window never exceed its
     * share; while the share is 0 (not counted by the others yet, or stale) no call leaves.
     *
     * @param maxWaitNanos how long it may wait (what is left of the call's queue timeout)
     * @throws CallNotSentException when no turn comes within it (the call is not sent)
     */
    public void awaitTurn(long maxWaitNanos) {
        long deadline = System.nanoTime() + Math.max(0, maxWaitNanos);
        while (true) { // bounded: every round sleeps until a turn may be free, and the deadline ends it
            long now = System.nanoTime();
            long share = share();
            long wait = share == 0 ? NO_SHARE_RECHECK_NANOS : sent.tryTake(now, share);
            if (wait == 0) {
                turnsTaken.increment();
                return;
            }
            if (now + wait > deadline) {
                throw new CallNotSentException("no turn within the rate limit's rolling window (" + share
                        + " calls per " + windowMs + " ms for this instance) before the call's queue timeout "
                        + "(opentact.api.queue-timeout-ms); it was not sent", null);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new CallNotSentException("interrupted while waiting for a turn within the rate limit; not sent", null);
            }
        }
    }

    /**
     * The requests consumer {@code member} of this instance has joined the group (its rebalance
     * listener says so after every rebalance it took part in): once all of this instance's
     * consumers have since it started or woke from a freeze, it counts as joined ({@link RateShare}),
     * and takes its share after the settling time.
     */
    public void memberJoined(int member) {
        synchronized (rule) {
            rule.memberJoined(member, clock.getAsLong());
        }
    }

    /** Turns this instance took since it started (calls let out by {@link #awaitTurn}). */
    public long turnsTaken() {
        return turnsTaken.sum();
    }

    /** The window {@link #share()} counts calls in, in ms. */
    public long windowMs() {
        return windowMs;
    }

    /** While the share is 0, how often a waiting call looks again. */
    private static final long NO_SHARE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Calls per slice ({@link RateLimitSlices#sliceMs}) for the Throttle of the slices; one while stale. */
    public int callsPerSlice() {
        return stale() ? 1 : (int) Math.min(Integer.MAX_VALUE, perSlice);
    }

    /**
     * Whether the share is older than its lease: no look at the group was made (answered or not)
     * for {@link #STALE_INTERVALS} intervals, by the monotonic clock, as after a freeze of this JVM
     * (SIGSTOP, a long GC pause). Meanwhile the other members may have taken this one's share; its
     * calls queued during the freeze must not go out at the old share, so it takes one call per
     * window (within the headroom RateShare leaves) until the next look, which runs at once.
     */
    boolean stale() {
        return lookedNanos.getAsLong() - lastLookNanos > staleNanos;
    }

    /** Intervals without a look after which the share is stale. */
    static final int STALE_INTERVALS = 3;

    /**
     * Looks at the group once now (at most one interval, so that the routes start with a share
     * that is known when Kafka answers), then every interval.
     */
    public synchronized void start() {
        if (refresher != null) {
            return;
        }
        LOG.info("Opentact rate limit: {} calls per {} ms for the account, shared by the members of consumer group '{}'; "
                + "this instance takes {} call per window until the group is known", rule.limit(), windowMs, groupId,
                rule.share());
        refresh();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opentact-rate-share");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Stops looking; the share stays as it was. */
    public synchronized void stop() {
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(1));
            admin = null;
        }
    }

    /** One look at the group and the share that follows; never throws. */
    void refresh() {
        RateShare.Group group = null;
        try {
            group = look.look();
            if (failing) {
                LOG.info("Opentact rate limit: consumer group '{}' can be looked up again", groupId);
                failing = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            String why = e instanceof TimeoutException ? "no answer in " + intervalMs + " ms"
                    : kafka == null ? String.valueOf(e.getMessage()) : kafka.mask(e.getClass().getSimpleName() + ": " + e.getMessage());
            if (!failing) {
                LOG.warn("Opentact rate limit: cannot look up consumer group '{}' ({}); this instance keeps its share of {} "
                        + "calls per {} ms until it can", groupId, why, rule.share(), windowMs);
                failing = true;
            } else {
                LOG.debug("Opentact rate limit: still cannot look up consumer group '{}' ({})", groupId, why);
            }
        }
        long now = lookedNanos.getAsLong();
        if (now - lastLookNanos > staleNanos) {
            LOG.warn("Opentact rate limit: no look at consumer group '{}' for {} ms (this JVM was paused?): no call until "
                    + "it has been seen join the group again and the others have counted it", groupId,
                    TimeUnit.NANOSECONDS.toMillis(now - lastLookNanos));
            synchronized (rule) {
                rule.rejoin(clock.getAsLong());
            }
        }
        long before = perWindow;
        long after;
        synchronized (rule) {
            after = rule.observe(group, clock.getAsLong());
        }
        lastLookNanos = lookedNanos.getAsLong();
        if (after != before) {
            apply(after);
            LOG.info("Opentact rate limit: this instance's share is now {} of {} calls per {} ms ({} per {} ms slice): "
                            + "its {} of {} members of consumer group '{}'{}", after, rule.limit(), windowMs, perSlice,
                    RateLimitSlices.sliceMs(windowMs), rule.mine(), rule.total(), groupId,
                    after > 0 ? "" : rule.joined() ? " (not counted by the others yet: no call until then)"
                            : " (not seen join yet: no call until it has been and the others have counted it)");
        }
    }

    private void apply(long share) {
        perSlice = RateLimitSlices.callsPerSlice(Math.max(1, share), windowMs);
        perWindow = share;
    }

    /** The group's members and state, in one bounded Admin call. */
    private RateShare.Group describeGroup() throws Exception {
        try {
            Map<String, ConsumerGroupDescription> d = admin().describeConsumerGroups(List.of(groupId)).all()
                    .get(intervalMs, TimeUnit.MILLISECONDS);
            ConsumerGroupDescription g = d.get(groupId);
            if (g == null) {
                return new RateShare.Group(0, false);
            }
            Collection<org.apache.kafka.clients.admin.MemberDescription> members = g.members();
            java.util.Set<String> own = ownMembers.get();
            List<String> ids = members == null ? List.of()
                    : members.stream().map(org.apache.kafka.clients.admin.MemberDescription::consumerId).toList();
            boolean mineSeen = own.size() >= rule.mine() && ids.containsAll(own);
            boolean mineGone = !own.isEmpty() && own.stream().noneMatch(ids::contains);
            return new RateShare.Group(ids.size(), rebalancing(String.valueOf(stateOf(g))), mineSeen, mineGone);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return new RateShare.Group(0, false);
            }
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (org.apache.kafka.common.KafkaException e) {
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
        return switch (state.toUpperCase(java.util.Locale.ROOT).replace("_", "")) {
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
            admin.close(java.time.Duration.ZERO);
            admin = null;
        }
    }
}
