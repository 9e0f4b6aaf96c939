package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.config.HostInstanceId;

/**
 * Takes order files from an inbox that several instances may watch, each file by exactly one of
 * them: a file is claimed by an atomic rename into this instance's folder
 * {@code <inbox>/.claimed/<instance id>/}, which csv-intake reads. Also keeps this instance's
 * heartbeat there, and takes over the files of an instance whose heartbeat stopped for
 * {@code opentact.inbox.claim-timeout-ms} (killed, and not started again). An instance started again
 * with the same id resumes its own folder at once. The rules: {@link ClaimRules}.
 */
public class InboxClaims {

    /** The folder under the inbox that holds one folder per instance. */
    public static final String CLAIMED = ".claimed";
    /** The heartbeat file in an instance's folder (hidden: csv-intake does not read it). */
    static final String HEARTBEAT = ".heartbeat";

    private static final Logger LOG = LoggerFactory.getLogger(InboxClaims.class);
    /** Most inbox entries looked at in one round (the rest wait for the next). */
    private static final int MAX_ENTRIES_PER_ROUND = 10_000;

    private final Path inbox;
    private final Path claimed;
    private final String instanceId;
    private final Path own;
    private final long quietMs;
    private final int maxFiles;
    private final ClaimRules.OwnerWatch watch;
    private final LongSupplier wallClock;
    private final LongSupplier monotonic;
    private final String token = UUID.randomUUID().toString();
    private long beats;
    private String lastHeartbeat;
    private boolean conflictLogged;

    public InboxClaims(String inboxDir, String instanceId, long quietMs, long claimTimeoutMs, int maxFiles) {
        this(inboxDir, instanceId, quietMs, claimTimeoutMs, maxFiles, System::currentTimeMillis, System::nanoTime);
    }

    InboxClaims(String inboxDir, String instanceId, long quietMs, long claimTimeoutMs, int maxFiles,
                LongSupplier wallClock, LongSupplier monotonic) {
        if (maxFiles < 1) {
            throw new IllegalArgumentException("opentact.inbox.claim-max-files must be at least 1, not " + maxFiles);
        }
        this.maxFiles = maxFiles;
        this.inbox = Path.of(inboxDir);
        this.claimed = inbox.resolve(CLAIMED);
        this.instanceId = ClaimRules.checkedInstanceId(instanceId == null || instanceId.isBlank()
                ? HostInstanceId.current() : instanceId.strip());
        this.own = claimed.resolve(this.instanceId);
        this.quietMs = quietMs;
        this.watch = new ClaimRules.OwnerWatch(claimTimeoutMs);
        this.wallClock = wallClock;
        this.monotonic = monotonic;
    }

    public String instanceId() {
        return instanceId;
    }

    /** Whether another process was seen writing this instance's heartbeat (the same instance id twice). */
    boolean sameIdSeen() {
        return conflictLogged;
    }

    /** This instance's claim folder (csv-intake reads it). */
    public Path ownFolder() {
        return own;
    }

    /**
     * One round (the csv-intake-claim timer): the heartbeat, then the files of instances that are
     * gone, then the inbox's ready files.
     *
     * @return how many files this instance claimed in this round
     */
    public synchronized int claim() {
        if (!Files.isDirectory(inbox)) {
            return 0;
        }
        try {
            Files.createDirectories(own);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the claim folder " + own, e);
        }
        beat();
        dropOrphanProgress();
        int taken = takeOverGone();
        return taken + claimReady();
    }

    /** Rewrites this instance's heartbeat, and says so when another process writes it too (the same id twice). */
    void beat() {
        Path file = own.resolve(HEARTBEAT);
        String now = read(file);
        if (lastHeartbeat != null && now != null && !now.equals(lastHeartbeat)) {
            if (!conflictLogged) {
                LOG.error("Another running process uses instance id '{}' on inbox {}: both would read the files it "
                        + "claims. Give each instance its own opentact.inbox.instance-id (OPENTACT_INBOX_INSTANCE_ID).",
                        instanceId, inbox);
                conflictLogged = true;
            }
        }
        String next = token + " " + (++beats) + "\n";
        Path tmp = own.resolve(HEARTBEAT + ".tmp");
        try {
            Files.writeString(tmp, next, StandardCharsets.UTF_8);
            move(tmp, file, true);
            lastHeartbeat = next;
        } catch (IOException e) {
            LOG.warn("Cannot write the heartbeat {}: {}", file, e.toString());
        }
    }

    private int claimReady() {
        int taken = 0;
        long now = wallClock.getAsLong();
        int free = ClaimRules.freeSlots(maxFiles, held());
        if (free == 0) {
            return 0;
        }
        for (Path file : list(inbox)) {
            if (taken >= free) {
                break; // the rest stay in the inbox, for another instance or a later round
            }
            String name = file.getFileName().toString();
            try {
                if (!ClaimRules.claimable(name, Files.isRegularFile(file),
                        Files.getLastModifiedTime(file).toMillis(), now, quietMs)) {
                    continue;
                }
            } catch (NoSuchFileException e) {
                continue; // claimed by another instance meanwhile
            } catch (IOException e) {
                LOG.warn("Cannot look at inbox file {}: {}", file, e.toString());
                continue;
            }
            if (claimedAnywhere(name)) {
                continue; // a file of that name is being read: this one waits its turn (one rejects file per name)
            }
            if (rename(file, own.resolve(name))) {
                taken++;
                LOG.info("Claimed order file {} (instance {})", name, instanceId);
            }
        }
        return taken;
    }

    private int takeOverGone() {
        int taken = 0;
        long now = monotonic.getAsLong();
        int free = ClaimRules.freeSlots(maxFiles, held());
        for (Path folder : list(claimed)) {
            String owner = folder.getFileName().toString();
            if (owner.equals(instanceId) || !Files.isDirectory(folder)) {
                continue;
            }
            if (!watch.gone(owner, read(folder.resolve(HEARTBEAT)), now)) {
                continue;
            }
            for (Path file : list(folder)) {
                if (taken >= free) {
                    return taken; // the rest for other instances, or a later round
                }
                String name = file.getFileName().toString();
                if (!ClaimRules.isOrderFileName(name) || Files.exists(own.resolve(name))) {
                    continue;
                }
                if (rename(file, own.resolve(name))) {
                    taken++;
                    // Its progress goes with it (only the winner of the file moves it; its owner is gone).
                    Path progress = folder.resolve(FileProgress.sidecarName(name));
                    if (Files.exists(progress)) {
                        rename(progress, own.resolve(progress.getFileName()));
                    }
                    LOG.warn("Took over order file {} from instance {}, whose heartbeat has not changed for the claim "
                            + "timeout; it is read on from where that instance left it", name, owner);
                }
            }
        }
        return taken;
    }

    /** Order files in this instance's folder: claimed and not done yet. */
    private int held() {
        int n = 0;
        for (Path entry : list(own)) {
            if (ClaimRules.isOrderFileName(entry.getFileName().toString())) {
                n++;
            }
        }
        return n;
    }

    /** The progress of a file no longer in this folder (done or failed) is dropped. */
    private void dropOrphanProgress() {
        for (Path entry : list(own)) {
            String of = FileProgress.fileOf(entry.getFileName().toString());
            if (of != null && !Files.exists(own.resolve(of))) {
                try {
                    Files.deleteIfExists(entry);
                } catch (IOException e) {
                    LOG.debug("Cannot delete {}: {}", entry, e.toString());
                }
            }
        }
    }

    private boolean claimedAnywhere(String name) {
        for (Path folder : list(claimed)) {
            if (Files.exists(folder.resolve(name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The claim: one atomic rename. The loser of a race finds the name gone and skips the file
     * quietly. Over NFS a retried rename can report the name gone though it was this one's that
     * moved it: the file is then in this instance's folder all the same, and read.
     */
    private boolean rename(Path from, Path to) {
        try {
            move(from, to, false);
            return true;
        } catch (NoSuchFileException e) {
            LOG.debug("Order file {} was claimed by another instance", from.getFileName());
            return false;
        } catch (IOException e) {
            LOG.warn("Cannot claim order file {}: {}", from, e.toString());
            return false;
        }
    }

    private static void move(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // Only this instance puts files into its folder (one thread: the claim route), and it
                // has looked that the name is free there; ATOMIC_MOVE is the one rename(2).
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the inbox and its .claimed folder must be on one filesystem: " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.debug("Cannot read {}: {}", file, e.toString());
            return null;
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (out.size() >= MAX_ENTRIES_PER_ROUND) {
                    break;
                }
                out.add(p);
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", dir, e.toString());
        }
        return out;
    }
}
