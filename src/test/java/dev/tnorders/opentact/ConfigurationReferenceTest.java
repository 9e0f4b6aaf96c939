package dev.tnorders.opentact;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import dev.tnorders.opentact.config.OpentactSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference, {@code docs/configuration.md}, is the one place that lists the keys:
 * every key the standalone defaults ({@code config/application.properties}) set, and every
 * {@code opentact.*} or {@code camel.*} key a route file or a Kamelet reads through a placeholder, is
 * documented there with its environment variable and its default; a default set in the properties
 * file or named inline in a route ({@code {{key:default}}}) is the documented one. The README's table
 * of essential settings repeats rows of the reference, unchanged. Documented keys that only Java or
 * log4j reads (e.g. {@code opentact.embedded.kafka-dir}, {@code opentact.log.format}) need not appear
 * in a route.
 *
 * <p>The route files are scanned as text, every file under {@code routes/} and the Kamelets'
 * directory, so that a route file added, renamed or rewritten is covered without changing this test.
 * Kamelet parameters ({@code {{requestIdPrefix}}}) and property functions ({@code {{bean:...}}},
 * {@code {{opentact-rate-limit:calls}}}) are not configuration keys and are left out.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("docs/configuration.md");
    private static final Path PROPERTIES = Path.of("config/application.properties");
    private static final Path README = Path.of("README.md");
    private static final List<Path> ROUTE_DIRS = List.of(Path.of("routes"), Path.of("src/main/resources/kamelets"));
    private static final Path KAMELETS = Path.of("src/main/resources/kamelets");

    private static final String TABLE_HEADER = "| key | env | default | meaning |";
    /** {@code {{key}}}, {@code {{key:default}}}, {@code {{?key}}} (optional). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*\\??([^{}:\\s]+)\\s*(?::([^{}]*))?}}");
    /** {@code {{setting:key}}}: the key with its default from the one declaration (OpentactSettings). */
    private static final Pattern SETTING = Pattern.compile("\\{\\{setting:([^{}\\s]+)}}");
    /** An {@code opentact.*} key with a default written inline, which the routes no longer do. */
    private static final Pattern INLINE_DEFAULT = Pattern.compile("\\{\\{\\s*(opentact\\.[^{}:\\s]+):");
    private static final String DEFAULTS = "src/main/resources" + OpentactSettings.DEFAULTS;
    /** The Simple language's {@code ${properties:key}} and {@code ${properties:key:default}}. */
    private static final Pattern SIMPLE_PROPERTY = Pattern.compile("\\$\\{properties:([^{}:\\s]+)(?::([^{}]*))?}");
    /** A key left commented out in the properties file as an example: {@code #opentact.api.token =}. */
    private static final Pattern COMMENTED_KEY = Pattern.compile("^#\\s*((?:opentact|camel)\\.[^\\s=:]+)\\s*[=:].*$");
    private static final Pattern CODE = Pattern.compile("^`([^`]*)`$");
    private static final Pattern UNSET = Pattern.compile("^unset( → .+)?$");

    /** A row of the reference: the key, its environment variable cell, its default ("" for unset). */
    record Documented(String key, String env, String defaultValue, String row) {
    }

    /** A key read by a route file, with the default it names inline (null: none). */
    record Use(String key, String inlineDefault, String where) {
    }

    @Test
    void theReferenceListsEveryKeyOnceWithItsEnvironmentVariableAndADefault() throws IOException {
        List<Documented> rows = rows(REFERENCE);
        assertThat(rows).as("rows of the tables in " + REFERENCE).hasSizeGreaterThan(50);
        SoftAssertions softly = new SoftAssertions();
        Set<String> seen = new TreeSet<>();
        for (Documented row : rows) {
            softly.assertThat(seen.add(row.key())).as("%s is listed once in %s", row.key(), REFERENCE).isTrue();
            if (!row.key().contains("[")) {
                softly.assertThat(row.env()).as("environment variable of %s", row.key()).isEqualTo("`" + envName(row.key()) + "`");
            }
        }
        softly.assertAll();
    }

    @Test
    void everyKeyOfTheStandaloneDefaultsIsDocumentedWithTheSameDefault() throws IOException {
        Map<String, Documented> reference = reference();
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(PROPERTIES, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        assertThat(properties).as(PROPERTIES.toString()).isNotEmpty();
        SoftAssertions softly = new SoftAssertions();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            Documented row = reference.get(normalise(key));
            softly.assertThat(row).as("%s (set in %s) is documented in %s", key, PROPERTIES, REFERENCE).isNotNull();
            if (row != null) {
                softly.assertThat(row.defaultValue()).as("documented default of %s, set in %s", key, PROPERTIES)
                        .isEqualTo(properties.getProperty(key).strip());
            }
        }
        // The keys left commented out as examples (the URL, the token, Kafka security) are settings too.
        for (String line : Files.readAllLines(PROPERTIES, StandardCharsets.UTF_8)) {
            Matcher m = COMMENTED_KEY.matcher(line.strip());
            if (m.matches()) {
                softly.assertThat(reference).as("%s (an example in %s) is documented in %s", m.group(1), PROPERTIES, REFERENCE)
                        .containsKey(normalise(m.group(1)));
            }
        }
        softly.assertAll();
    }

    /** One source of defaults: the standalone file sets only what differs from the jar's (no copy to drift). */
    @Test
    void theStandalonePropertiesHoldOnlyWhatDiffersFromTheJarsDefaults() throws IOException {
        Properties standalone = new Properties();
        try (Reader in = Files.newBufferedReader(PROPERTIES, StandardCharsets.UTF_8)) {
            standalone.load(in);
        }
        Properties declared = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(DEFAULTS), StandardCharsets.UTF_8)) {
            declared.load(in);
        }
        SoftAssertions softly = new SoftAssertions();
        for (String key : new TreeSet<>(standalone.stringPropertyNames())) {
            if (declared.containsKey(key)) {
                softly.assertThat(standalone.getProperty(key).strip()).as("%s in %s repeats its default in %s", key, PROPERTIES,
                        DEFAULTS).isNotEqualTo(declared.getProperty(key).strip());
            }
        }
        softly.assertAll();
    }

    @Test
    void everyKeyTheRoutesReadIsDocumentedAndAnInlineDefaultIsTheDocumentedOne() throws IOException {
        Map<String, Documented> reference = reference();
        List<Use> uses = uses();
        assertThat(uses).as("opentact.* and camel.* placeholders in " + ROUTE_DIRS).hasSizeGreaterThan(20);
        SoftAssertions softly = new SoftAssertions();
        for (Use use : uses) {
            Documented row = reference.get(normalise(use.key()));
            softly.assertThat(row).as("%s (read at %s) is documented in %s", use.key(), use.where(), REFERENCE).isNotNull();
            if (row != null && use.inlineDefault() != null) {
                softly.assertThat(use.inlineDefault().strip())
                        .as("inline default of %s at %s against %s (%s)", use.key(), use.where(), REFERENCE, row.row())
                        .isEqualTo(row.defaultValue());
            }
        }
        softly.assertAll();
    }

    @Test
    void everyDefaultIsDeclaredOnceAndDocumentedAsDeclared() throws IOException {
        Map<String, Documented> reference = reference();
        Properties declared = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(DEFAULTS), StandardCharsets.UTF_8)) {
            declared.load(in);
        }
        assertThat(declared).as(DEFAULTS).hasSizeGreaterThan(50);
        SoftAssertions softly = new SoftAssertions();
        for (String key : new TreeSet<>(declared.stringPropertyNames())) {
            Documented row = reference.get(key);
            softly.assertThat(row).as("%s (declared in %s) is documented in %s", key, DEFAULTS, REFERENCE).isNotNull();
            if (row != null) {
                softly.assertThat(row.defaultValue()).as("documented default of %s against %s", key, DEFAULTS)
                        .isEqualTo(declared.getProperty(key));
            }
        }
        for (Use use : uses()) {
            if (use.key().startsWith("opentact.") && !use.key().equals("opentact.api.base-url")) {
                softly.assertThat(declared.getProperty(use.key())).as("%s (read at %s) is declared in %s", use.key(),
                        use.where(), DEFAULTS).isNotNull();
            }
        }
        for (Path dir : ROUTE_DIRS) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    Matcher inline = INLINE_DEFAULT.matcher(Files.readString(file));
                    while (inline.find()) {
                        softly.fail("%s names a default of %s inline: read it as {{setting:%s}}", file, inline.group(1),
                                inline.group(1));
                    }
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void theReadmeSettingsAreRowsOfTheReference() throws IOException {
        Map<String, Documented> reference = reference();
        List<Documented> readme = rows(README);
        assertThat(readme).as("the settings table of " + README).isNotEmpty();
        SoftAssertions softly = new SoftAssertions();
        for (Documented row : readme) {
            Documented documented = reference.get(normalise(row.key()));
            softly.assertThat(documented).as("%s (in %s) is documented in %s", row.key(), README, REFERENCE).isNotNull();
            if (documented != null) {
                softly.assertThat(row.env()).as("environment variable of %s in %s", row.key(), README).isEqualTo(documented.env());
                softly.assertThat(row.defaultValue()).as("default of %s in %s", row.key(), README).isEqualTo(documented.defaultValue());
            }
        }
        softly.assertAll();
    }

    // --- the reference ----------------------------------------------------------------------------

    private static Map<String, Documented> reference() throws IOException {
        Map<String, Documented> out = new LinkedHashMap<>();
        for (Documented row : rows(REFERENCE)) {
            out.putIfAbsent(normalise(row.key()), row);
        }
        return out;
    }

    /** The rows of every {@code | key | env | default | meaning |} table of a Markdown file. */
    static List<Documented> rows(Path markdown) throws IOException {
        List<Documented> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(markdown, StandardCharsets.UTF_8)) {
            if (line.strip().equals(TABLE_HEADER)) {
                inTable = true;
            } else if (inTable && line.startsWith("| ---")) {
                continue;
            } else if (inTable && line.startsWith("|")) {
                rows.add(row(markdown, line));
            } else {
                inTable = false;
            }
        }
        return rows;
    }

    private static Documented row(Path markdown, String line) {
        // Cells are separated by unescaped pipes; "\|" inside a cell is a literal pipe.
        String[] cells = line.strip().substring(1).split("(?<!\\\\)\\|", -1);
        assertThat(cells.length).as("%s: four cells in %s", markdown, line).isGreaterThanOrEqualTo(4);
        Matcher key = CODE.matcher(cells[0].strip());
        assertThat(key.matches()).as("%s: the key cell is one `key` in %s", markdown, line).isTrue();
        String cell = cells[2].strip();
        Matcher code = CODE.matcher(cell);
        String defaultValue;
        if (code.matches()) {
            defaultValue = code.group(1);
        } else {
            assertThat(cell).as("%s: the default of %s is `value` or unset (→ what happens)", markdown, key.group(1)).matches(UNSET);
            defaultValue = "";
        }
        return new Documented(key.group(1), cells[1].strip(), defaultValue, line);
    }

    // --- the routes -------------------------------------------------------------------------------

    private static List<Use> uses() throws IOException {
        Set<String> kameletParameters = kameletParameters();
        List<Use> uses = new ArrayList<>();
        for (Path dir : ROUTE_DIRS) {
            assertThat(dir).as("route directory").isDirectory();
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path file : files) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher setting = SETTING.matcher(lines.get(i));
                    while (setting.find()) {
                        String key = setting.group(1);
                        uses.add(new Use(key, OpentactSettings.defaultOf(key), file + ":" + (i + 1)));
                    }
                    for (Pattern pattern : List.of(PLACEHOLDER, SIMPLE_PROPERTY)) {
                        Matcher m = pattern.matcher(lines.get(i));
                        while (m.find()) {
                            String key = m.group(1);
                            if (isConfigurationKey(key) && !kameletParameters.contains(key)) {
                                uses.add(new Use(key, m.group(2), file + ":" + (i + 1)));
                            }
                        }
                    }
                }
            }
        }
        return uses;
    }

    /** opentact.* and camel.* keys; not Kamelet parameters nor functions such as bean: or opentact-rate-limit:. */
    private static boolean isConfigurationKey(String key) {
        return key.startsWith("opentact.") || key.startsWith("camel.");
    }

    /** The parameter names of every Kamelet ({@code spec.definition.properties}). */
    @SuppressWarnings("unchecked")
    private static Set<String> kameletParameters() throws IOException {
        Set<String> out = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(KAMELETS)) {
            files = walk.filter(p -> p.toString().endsWith(".kamelet.yaml")).toList();
        }
        for (Path file : files) {
            Object doc = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
            if (doc instanceof Map<?, ?> kamelet && kamelet.get("spec") instanceof Map<?, ?> spec
                    && spec.get("definition") instanceof Map<?, ?> definition
                    && definition.get("properties") instanceof Map<?, ?> properties) {
                out.addAll(((Map<String, Object>) properties).keySet());
            }
        }
        return out;
    }

    // --- names ------------------------------------------------------------------------------------

    /** Camel's environment variable for a key: upper case, '.' and '-' as '_'. */
    private static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** {@code additional-properties[sasl.login.callback.handler.class]} is documented as {@code additional-properties[<kafka property>]}. */
    private static String normalise(String key) {
        int bracket = key.indexOf('[');
        return bracket < 0 ? key : key.substring(0, bracket) + "[]";
    }
}
