package dev.tnorders.opentact.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promises every reliability scenario checks at its end, black-box (only the output topics,
 * the outbox and the sandbox's purchase counters), in one place:
 * <ol>
 *   <li>every request has exactly one outcome, and there is no outcome for a request never sent;</li>
 *   <li>every number has exactly one result, and there is no result for a number never asked for;</li>
 *   <li>the sandbox sold each number at most once;</li>
 *   <li>nothing accepted is missing: every number the sandbox sold has an {@code ordered} result,
 *       and every {@code ordered} result was really sold.</li>
 * </ol>
 * A request is named by its request id (Kafka) or by {@code file:line} (CSV rows, whose ids are
 * derived from the file's content).
 */
public final class Invariants {

    private static final Logger LOG = LoggerFactory.getLogger(Invariants.class);

    private Invariants() {
    }

    /** What a run sent: the requests, and for each number asked for by number, its request. */
    public static final class Expected {
        public final Set<String> requests = new LinkedHashSet<>();
        public final Map<String, String> numbers = new LinkedHashMap<>(); // E.164 -> request name

        /** A Kafka request of these numbers (digits with country code, e.g. 13122000000). */
        public Expected kafka(String requestId, long... tns) {
            return add(requestId, tns);
        }

        /** A CSV row: named by its file and line (the header is line 1). */
        public Expected csv(String file, int line, long... tns) {
            return add(file + ":" + line, tns);
        }

        /**
         * Puts every number asked for in the sandbox's stock, which holds only lines 0000-0999 of
         * a few exchanges: a long run must not fail numbers for want of stock.
         */
        public Expected stockIn(OpentactSandbox sandbox) {
            sandbox.addInventory(numbers.keySet().stream().mapToLong(n -> Long.parseLong(n.substring(1))).toArray());
            return this;
        }

        private Expected add(String name, long... tns) {
            requests.add(name);
            for (long tn : tns) {
                numbers.put("+" + tn, name);
            }
            return this;
        }
    }

    /** What a check found; all the counts of bad things must be 0. */
    public record Figures(int requests, int numbers, int outcomes, int results, int duplicateOutcomes,
                   int duplicateResults, int missingOutcomes, int missingResults, int strangers, int soldTwice,
                   int soldWithoutOrderedResult, int orderedButNotSold, int postedTwice, int orderPosts,
                   List<TopicProbe.Rec> outcomeRecords, List<TopicProbe.Rec> resultRecords) {

        public String summary() {
            return String.format("requests=%d numbers=%d outcomes=%d results=%d duplicates(outcomes=%d results=%d "
                            + "soldTwice=%d) losses(outcomes=%d results=%d soldWithoutResult=%d) strangers=%d "
                            + "orderedButNotSold=%d numbersInTwoOrderPosts=%d numbersSentInOrderPosts=%d "
                            + "(per number asked: %.3f)", requests, numbers, outcomes, results, duplicateOutcomes,
                    duplicateResults, soldTwice, missingOutcomes, missingResults, soldWithoutOrderedResult, strangers,
                    orderedButNotSold, postedTwice, orderPosts, numbers == 0 ? 0.0 : (double) orderPosts / numbers);
        }

        public Map<String, String> stateByRequest() {
            Map<String, String> out = new HashMap<>();
            outcomeRecords.forEach(o -> out.put(name(o), (String) o.get("state")));
            return out;
        }
    }

    /** The request's name as {@link Expected} knows it. */
    public static String name(TopicProbe.Rec outcome) {
        Map<String, Object> source = outcome.map("source");
        if (source != null && source.get("file") != null) {
            return source.get("file") + ":" + source.get("line");
        }
        return (String) outcome.get("request_id");
    }

    /**
     * Reads the outcomes and numbers topics (read_committed) until every expected record arrived
     * or {@code wait} ran out, keeps reading a few seconds for late duplicates, then asserts the
     * four promises. Logs and returns the figures.
     */
    public static Figures check(String scenario, String brokers, String outcomesTopic, String numbersTopic, Expected expected,
                         OpentactSandbox sandbox, Duration wait) throws Exception {
        List<TopicProbe.Rec> outcomes = TopicProbe.read(brokers, outcomesTopic, expected.requests.size(), wait,
                Duration.ofSeconds(3));
        List<TopicProbe.Rec> results = TopicProbe.read(brokers, numbersTopic, expected.numbers.size(), wait,
                Duration.ofSeconds(1));

        Map<String, Integer> outcomesPer = new HashMap<>();
        outcomes.forEach(o -> outcomesPer.merge(name(o), 1, Integer::sum));
        Map<String, Integer> resultsPer = new HashMap<>();
        Set<String> ordered = new LinkedHashSet<>();
        for (TopicProbe.Rec r : results) {
            resultsPer.merge(r.key(), 1, Integer::sum);
            if ("ordered".equals(r.get("state"))) {
                ordered.add(r.key());
            }
        }
        Map<Long, Integer> sold = sandbox.purchases();

        List<String> duplicateOutcomes = keysWith(outcomesPer, n -> n > 1);
        List<String> duplicateResults = keysWith(resultsPer, n -> n > 1);
        List<String> missingOutcomes = expected.requests.stream().filter(r -> !outcomesPer.containsKey(r)).toList();
        List<String> missingResults = expected.numbers.keySet().stream().filter(n -> !resultsPer.containsKey(n)).toList();
        List<String> strangers = new ArrayList<>();
        outcomesPer.keySet().stream().filter(r -> !expected.requests.contains(r)).forEach(strangers::add);
        resultsPer.keySet().stream().filter(n -> !expected.numbers.containsKey(n)).forEach(strangers::add);
        List<String> soldTwice = sold.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> "+" + e.getKey()).toList();
        List<String> soldWithoutResult = sold.keySet().stream().map(tn -> "+" + tn).filter(tn -> !ordered.contains(tn))
                .toList();
        List<String> orderedNotSold = ordered.stream()
                .filter(tn -> sandbox.purchaseCount(Long.parseLong(tn.substring(1))) != 1).toList();
        Map<Long, Integer> posted = sandbox.orderAttempts();
        List<String> postedTwice = posted.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> "+" + e.getKey())
                .toList();
        int orderPosts = posted.values().stream().mapToInt(Integer::intValue).sum();

        Figures f = new Figures(expected.requests.size(), expected.numbers.size(), outcomes.size(), results.size(),
                duplicateOutcomes.size(), duplicateResults.size(), missingOutcomes.size(), missingResults.size(),
                strangers.size(), soldTwice.size(), soldWithoutResult.size(), orderedNotSold.size(), postedTwice.size(),
                orderPosts, outcomes, results);
        LOG.info("{} figures: {}", scenario, f.summary());

        assertThat(duplicateOutcomes).as("requests with more than one outcome").isEmpty();
        assertThat(missingOutcomes).as("requests without an outcome").isEmpty();
        assertThat(duplicateResults).as("numbers with more than one result").isEmpty();
        assertThat(missingResults).as("numbers without a result").isEmpty();
        assertThat(strangers).as("outcomes or results for something never asked for").isEmpty();
        assertThat(soldTwice).as("numbers the sandbox sold more than once").isEmpty();
        assertThat(soldWithoutResult).as("numbers bought without an 'ordered' result").isEmpty();
        assertThat(orderedNotSold).as("'ordered' results for numbers not bought exactly once").isEmpty();
        assertThat(postedTwice).as("numbers sent in two order POSTs that reached Opentact").isEmpty();
        return f;
    }

    private static List<String> keysWith(Map<String, Integer> counts, IntPredicate p) {
        return counts.entrySet().stream().filter(e -> p.test(e.getValue())).map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * The secret appears nowhere: not in the log, not in any record of the given topics (read
     * uncommitted too, so aborted transactions count), not in any file under the outbox.
     *
     * @return how many log lines, records and files were read
     */
    public static int assertNoSecret(String secret, Path log, String brokers, List<String> topics, Path outbox)
            throws Exception {
        int read = 0;
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines).as("log lines").isNotEmpty().noneMatch(l -> l.contains(secret));
        read += lines.size();
        for (String topic : topics) {
            List<String> records = TopicProbe.readAllRaw(brokers, topic, Duration.ofSeconds(2));
            assertThat(records).as("records of " + topic).noneMatch(r -> r.contains(secret));
            read += records.size();
        }
        if (Files.isDirectory(outbox)) {
            try (Stream<Path> files = Files.walk(outbox)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(readLoosely(f)).as(f.toString()).doesNotContain(secret);
                    read++;
                }
            }
        }
        return read;
    }

    private static String readLoosely(Path f) throws IOException {
        return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
    }
}
