package dev.tnorders.opentact.intake;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.config.HostInstanceId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InboxClaimsTest {

    @TempDir
    Path inbox;

    private final AtomicLong wall = new AtomicLong(1_000_000_000_000L);
    private final AtomicLong mono = new AtomicLong();

    private InboxClaims claims(String id, long quietMs, long timeoutMs) {
        return claims(id, quietMs, timeoutMs, 1000);
    }

    private InboxClaims claims(String id, long quietMs, long timeoutMs, int maxFiles) {
        return new InboxClaims(inbox.toString(), id, quietMs, timeoutMs, maxFiles, wall::get, mono::get);
    }

    private Path drop(String name, long ageMs) throws Exception {
        Path f = inbox.resolve(name);
        Files.writeString(f, "tn\n+12025550100\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(wall.get() - ageMs));
        return f;
    }

    private List<String> in(String instance) throws Exception {
        Path dir = inbox.resolve(".claimed").resolve(instance);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void aReadyFileIsRenamedIntoTheInstancesFolderAFileStillBeingWrittenWaits() throws Exception {
        drop("ready.csv", 3000);
        drop("writing.csv", 500);
        drop("notes.txt", 3000);
        InboxClaims a = claims("a", 2000, 60_000);

        assertThat(a.claim()).isEqualTo(1);
        assertThat(in("a")).containsExactly("ready.csv");
        assertThat(inbox.resolve("writing.csv")).exists();
        assertThat(inbox.resolve("notes.txt")).exists();
        assertThat(Files.readString(inbox.resolve(".claimed/a/ready.csv"))).isEqualTo("tn\n+12025550100\n");
        assertThat(inbox.resolve(".claimed/a/.heartbeat")).exists();

        wall.addAndGet(1500);
        assertThat(a.claim()).isEqualTo(1);
        assertThat(in("a")).containsExactly("ready.csv", "writing.csv");
    }

    @Test
    void twoInstancesRacingForManyFilesTakeEachExactlyOnce() throws Exception {
        int files = 300;
        for (int i = 0; i < files; i++) {
            drop("f" + i + ".csv", 5000);
        }
        List<InboxClaims> instances = List.of(claims("a", 100, 60_000), claims("b", 100, 60_000),
                claims("c", 100, 60_000));
        ExecutorService pool = Executors.newFixedThreadPool(instances.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> taken = new ArrayList<>();
            for (InboxClaims c : instances) {
                taken.add(pool.submit(() -> {
                    go.await(10, TimeUnit.SECONDS);
                    int n = 0;
                    for (int round = 0; round < 3; round++) {
                        n += c.claim();
                    }
                    return n;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : taken) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).as("claims reported").isEqualTo(files);
        } finally {
            pool.shutdownNow();
        }
        List<String> all = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            all.addAll(in(id));
        }
        assertThat(all).hasSize(files).doesNotHaveDuplicates();
        try (Stream<Path> left = Files.list(inbox)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void aSecondFileOfTheSameNameWaitsUntilTheFirstIsDone() throws Exception {
        drop("same.csv", 5000);
        InboxClaims a = claims("a", 100, 60_000);
        InboxClaims b = claims("b", 100, 60_000);
        assertThat(a.claim()).isEqualTo(1);
        drop("same.csv", 5000);
        assertThat(b.claim()).as("a is reading same.csv: its rejects file has one writer").isZero();
        assertThat(a.claim()).isZero();
        Files.move(inbox.resolve(".claimed/a/same.csv"), Files.createDirectories(inbox.resolve(".done")).resolve("same.1.csv"));
        assertThat(b.claim()).isEqualTo(1);
        assertThat(in("b")).containsExactly("same.csv");
    }

    @Test
    void theFilesOfAnInstanceWhoseHeartbeatStoppedAreTakenOverAfterTheTimeout() throws Exception {
        drop("half-read.csv", 5000);
        InboxClaims dead = claims("dead", 100, 10_000);
        assertThat(dead.claim()).isEqualTo(1);
        // "dead" is killed here: it never beats again.
        InboxClaims b = claims("b", 100, 10_000);
        assertThat(b.claim()).isZero();
        mono.addAndGet(9_999_000_000L);
        assertThat(b.claim()).as("not yet").isZero();
        mono.addAndGet(1_000_000L);
        assertThat(b.claim()).isEqualTo(1);
        assertThat(in("b")).containsExactly("half-read.csv");
        assertThat(in("dead")).isEmpty();
    }

    @Test
    void aLiveInstanceKeepsItsFilesAndARestartedOneFindsThemInItsFolder() throws Exception {
        drop("mine.csv", 5000);
        InboxClaims a = claims("a", 100, 10_000);
        InboxClaims b = claims("b", 100, 10_000);
        assertThat(a.claim()).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            mono.addAndGet(5_000_000_000L);
            a.claim();
            assertThat(b.claim()).isZero();
        }
        assertThat(in("a")).containsExactly("mine.csv");
        // Restarted with the same id: its folder is its own at once (csv-intake reads it).
        InboxClaims again = claims("a", 100, 10_000);
        assertThat(again.ownFolder()).isEqualTo(inbox.resolve(".claimed/a"));
        again.claim();
        assertThat(in("a")).containsExactly("mine.csv");
    }

    @Test
    void aMissingInboxIsNotAnErrorAndABadIdStopsTheStart() {
        assertThat(new InboxClaims(inbox.resolve("absent").toString(), "a", 100, 1000, 2).claim()).isZero();
        assertThatThrownBy(() -> new InboxClaims(inbox.toString(), "../x", 100, 1000, 2))
                .hasMessageContaining("opentact.inbox.instance-id");
        assertThat(new InboxClaims(inbox.toString(), "", 100, 1000, 2).instanceId()).isEqualTo(HostInstanceId.current());
    }

    @Test
    void aBusyInstanceLeavesTheRestOfTheInboxToTheOthers() throws Exception {
        for (int i = 0; i < 5; i++) {
            drop("f" + i + ".csv", 5000);
        }
        InboxClaims a = claims("a", 100, 60_000, 2);
        InboxClaims b = claims("b", 100, 60_000, 2);
        assertThat(a.claim()).isEqualTo(2);
        assertThat(a.claim()).as("holds two").isZero();
        assertThat(b.claim()).isEqualTo(2);
        Files.move(inbox.resolve(".claimed/a").resolve(in("a").get(0)),
                Files.createDirectories(inbox.resolve(".done")).resolve("x.csv"));
        assertThat(a.claim()).as("one done: one more").isEqualTo(1);
        assertThat(in("a").size() + in("b").size()).isEqualTo(4);
    }

    @Test
    void aTakenOverFileKeepsItsProgressAndTheProgressOfADoneFileIsDropped() throws Exception {
        drop("half.csv", 5000);
        InboxClaims dead = claims("dead", 100, 1000);
        dead.claim();
        Files.writeString(inbox.resolve(".claimed/dead/.half.csv.progress"), "items=7\n");
        InboxClaims b = claims("b", 100, 1000);
        b.claim();
        mono.addAndGet(1_000_000_000L);
        assertThat(b.claim()).isEqualTo(1);
        assertThat(inbox.resolve(".claimed/b/.half.csv.progress")).hasContent("items=7\n");
        Files.move(inbox.resolve(".claimed/b/half.csv"), Files.createDirectories(inbox.resolve(".done")).resolve("h.csv"));
        b.claim();
        assertThat(inbox.resolve(".claimed/b/.half.csv.progress")).doesNotExist();
    }

    @Test
    void twoProcessesWithOneInstanceIdSeeEachOthersHeartbeat() {
        InboxClaims first = claims("same", 100, 60_000);
        InboxClaims second = claims("same", 100, 60_000);
        first.claim();
        second.claim();
        first.claim();
        assertThat(first.sameIdSeen()).isTrue();
        InboxClaims alone = claims("alone", 100, 60_000);
        alone.claim();
        alone.claim();
        assertThat(alone.sameIdSeen()).isFalse();
    }
}
