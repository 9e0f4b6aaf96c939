package dev.tnorders.opentact.kafka;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * This process's slot on its host for one consumer group: the first of {@code 0..max-1} whose lock
 * file {@code <dir>/<group>-<hash>.<slot>.lock} it could lock, held until {@link #close()} or the
 * process ends (the OS releases the lock of a killed process, so a restart takes its slot again,
 * unless another process of the group started on the host meanwhile). Two processes on one host
 * that share the directory never hold the same slot; processes in separate file systems (containers
 * with host networking, systemd's PrivateTmp) do not see each other's locks.
 */
public final class InstanceSlot implements AutoCloseable {

    /** The most processes of one group on one host. */
    public static final int MAX_SLOTS = 64;

    private final int slot;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceSlot(int slot, Path file, FileChannel channel, FileLock lock) {
        this.slot = slot;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks the first free slot of the group in {@code dir} (created if missing).
     *
     * @throws IOException when the directory cannot be written, or every slot is held
     */
    public static InstanceSlot take(Path dir, String groupId, int max) throws IOException {
        Files.createDirectories(dir);
        String name = fileName(groupId);
        for (int slot = 0; slot < max; slot++) {
            Path file = dir.resolve(name + "." + slot + ".lock");
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = null;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // held by this JVM already (another app in the same JVM)
            }
            if (lock != null) {
                return new InstanceSlot(slot, file, channel, lock);
            }
            channel.close();
        }
        throw new IOException("all " + max + " slots of group '" + groupId + "' in " + dir + " are held by running "
                + "processes");
    }

    /** The lock file's name for a group: the id as a file name, and a hash so that two ids never share one. */
    static String fileName(String groupId) {
        String safe = groupId.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 80) {
            safe = safe.substring(0, 80);
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(groupId.getBytes(StandardCharsets.UTF_8));
            return safe + "-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int slot() {
        return slot;
    }

    public Path file() {
        return file;
    }

    /** Lets the slot go (a stopped instance). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
