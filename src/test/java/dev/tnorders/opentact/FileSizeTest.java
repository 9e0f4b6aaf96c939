package dev.tnorders.opentact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No file of the bundle's Java sources grows past 400 lines (docs/architecture.md): a class that
 * does, has taken a second job; split it by job, as the journal, the consumers and the sandbox were.
 */
class FileSizeTest {

    static final int MAX_LINES = 400;

    @Test
    void noMainSourceFileIsOver400Lines() throws IOException {
        Path main = Path.of("src/main/java");
        assertThat(main).isDirectory();
        List<String> over;
        try (Stream<Path> files = Files.walk(main)) {
            over = files.filter(p -> p.toString().endsWith(".java"))
                    .map(p -> new Object[] {p, lines(p)})
                    .filter(a -> (long) a[1] > MAX_LINES)
                    .map(a -> main.relativize((Path) a[0]) + " (" + a[1] + " lines)")
                    .sorted()
                    .toList();
        }
        assertThat(over).as("files in src/main/java over %d lines", MAX_LINES).isEmpty();
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}
