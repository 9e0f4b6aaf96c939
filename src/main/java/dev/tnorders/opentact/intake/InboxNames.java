package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a file in the inbox whose name holds a backslash a name Camel can read. On Linux a
 * backslash is an ordinary character in a file name, but Camel's file consumer reads it as a
 * folder separator: {@code ..\..\etc\passwd.csv} would never be taken (silently), and its
 * {@code .done/} move would point outside the inbox. The file is renamed (see {@link #readableName}).
 */
public class InboxNames {

    private static final Logger LOG = LoggerFactory.getLogger(InboxNames.class);
    private static final int MAX_SUFFIX = 1000;

    private final Path inbox;

    public InboxNames(String inboxDir) {
        this.inbox = Path.of(inboxDir);
    }

    /** @return how many files were renamed */
    public int renameUnreadableNames() {
        if (!Files.isDirectory(inbox)) {
            return 0;
        }
        List<Path> odd;
        try (Stream<Path> files = Files.list(inbox)) {
            odd = files.filter(f -> f.getFileName().toString().contains("\\") && Files.isRegularFile(f)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + inbox, e);
        }
        int renamed = 0;
        for (Path file : odd) {
            String name = file.getFileName().toString();
            Path target = freeName(readableName(name));
            if (target == null) {
                LOG.error("Cannot rename inbox file '{}': every replacement name is taken", name);
                continue;
            }
            try {
                Files.move(file, target);
                renamed++;
                LOG.warn("Renamed inbox file '{}' to '{}': a backslash in a file name is read as a folder separator",
                        name, target.getFileName());
            } catch (NoSuchFileException e) {
                // another instance watching the same inbox renamed it first
                LOG.debug("Inbox file '{}' was renamed by another instance", name);
            } catch (IOException e) {
                LOG.error("Cannot rename inbox file '{}': {}", name, e.getMessage());
            }
        }
        return renamed;
    }

    /**
     * Backslashes become {@code _}; so do leading dots, since Camel skips hidden files
     * ({@code ..\x.csv} would otherwise become the hidden {@code .._x.csv}).
     */
    public static String readableName(String name) {
        String s = name.replace('\\', '_');
        int dots = 0;
        while (dots < s.length() && s.charAt(dots) == '.') {
            dots++;
        }
        return "_".repeat(dots) + s.substring(dots);
    }

    private Path freeName(String safe) {
        Path target = inbox.resolve(safe);
        int dot = safe.lastIndexOf('.');
        String base = dot > 0 ? safe.substring(0, dot) : safe;
        String ext = dot > 0 ? safe.substring(dot) : "";
        for (int i = 1; Files.exists(target) && i <= MAX_SUFFIX; i++) {
            target = inbox.resolve(base + "-" + i + ext);
        }
        return Files.exists(target) ? null : target;
    }
}
