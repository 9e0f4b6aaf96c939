package dev.tnorders.opentact;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundle's Kamelets pass the checks of the Kamelet catalog's validator, rule by rule: Go program
 * {@code script/validator/validator.go} of apache/camel-kamelets (read at commit
 * 2f008f53f1fe73a65471f8538cc7cdf5c469f7c0, 2026-07-02), run there as {@code go run . ../../kamelets/}
 * over the catalog's folder; here over {@code src/main/resources/kamelets/}. Each check below names the
 * validator function it mirrors. It collects every violation and fails with all of them, as the
 * validator prints every ERROR before it exits.
 *
 * <p>Where it differs, and why:
 * <ul>
 * <li>{@code verifyAnnotations} requires the provider "Apache Software Foundation": that is the ASF
 * catalog's own Kamelets. This Kamelet is not the ASF's; the rule kept is that a provider is named.</li>
 * <li>{@code camel.apache.org/catalog.version} must only be set there ("should match project version in
 * pom.xml", a release script rewrites it); here it must equal the version of {@code pom.xml}, and so
 * must the version of the {@code mvn:} dependency on this bundle's jar.</li>
 * <li>The icon must only be non-empty there; here it is an SVG {@code data:} URI (as every Kamelet of
 * the catalog has) that decodes to an {@code <svg>} document.</li>
 * <li>A property title's words must be capitalised "after English stop words are removed"
 * (github.com/bbalet/stopwords); here with the short list of stop words below.</li>
 * </ul>
 * Also checked, as the catalog library ({@code KameletsCatalog}, {@code KameletAnnotationsNames}) reads
 * them: the group and namespace annotations are set.
 */
class KameletCatalogConventionsTest {

    private static final Path KAMELETS = Path.of("src/main/resources/kamelets");
    private static final Path POM = Path.of("pom.xml");
    private static final String GROUP_ID = "dev.tnorders";
    private static final String ARTIFACT_ID = "opentact-order-routes";

    /** validator.go's paramRegexp: a {{name}}, {{?name}} or {{name:default}} in the template is a parameter. */
    private static final Pattern PARAM = Pattern.compile("\\{\\{[?]?([A-Za-z0-9-._]+)(?:[:][^}]*)?}}");
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "for",
            "from", "if", "in", "into", "is", "it", "of", "on", "or", "than", "that", "the", "to", "with");

    record KameletFile(Path file, Map<String, Object> kamelet) {
        String name() {
            return (String) map(kamelet.get("metadata")).get("name");
        }

        Map<String, Object> metadata() {
            return map(kamelet.get("metadata"));
        }

        Map<String, Object> spec() {
            return map(kamelet.get("spec"));
        }

        Map<String, Object> annotations() {
            Object a = metadata().get("annotations");
            return a == null ? Map.of() : map(a);
        }

        String type() {
            Object labels = metadata().get("labels");
            return labels == null ? null : (String) map(labels).get("camel.apache.org/kamelet.type");
        }
    }

    @Test
    void theKameletsPassTheCatalogValidatorsRules() throws Exception {
        List<KameletFile> kamelets = kamelets();
        assertThat(kamelets).extracting(KameletFile::name).contains("opentact-order-sink");
        List<String> errors = violations(kamelets, pomVersion());
        assertThat(errors).as("validator errors").isEmpty();
    }

    @Test
    void theChecksCanFail() throws Exception {
        // The same rules on a Kamelet that breaks them: each one reports.
        String bad = """
                apiVersion: camel.apache.org/v1
                kind: Kamelet
                metadata:
                  name: broken-source
                  annotations:
                    camel.apache.org/provider: "Apache Software Foundation"
                    camel.apache.org/kamelet.icon: "https://example.invalid/icon.png"
                    camel.apache.org/catalog.version: "0.0.1"
                  labels:
                    camel.apache.org/kamelet.type: "sink"
                spec:
                  definition:
                    title: "Broken"
                    description: ""
                    type: string
                    required: [topic, topic, missing]
                    properties:
                      topic:
                        title: The topic name
                        type: string
                      password:
                        title: Password
                        description: A secret.
                        type: string
                        format: password
                  dependencies:
                    - "org.example:lib:1.0"
                    - "mvn:dev.tnorders:opentact-order-routes:0.0.1"
                  template:
                    from:
                      uri: "timer:tick"
                      steps:
                        - to: "kafka:{{setting:opentact.topics.requests}}"
                """;
        KameletFile file = new KameletFile(Path.of("broken.kamelet.yaml"),
                map(new Load(LoadSettings.builder().build()).loadFromString(bad)));
        List<String> errors = violations(List.of(file), "9.9.9");
        assertThat(String.join("\n", errors)).contains(
                "does not match the name",
                "does not end with \"-sink\"",
                "title \"Broken\" does not end with \"Sink\"",
                "does not contain description",
                "definition of type \"object\"",
                "\"topic\" is listed twice",
                "required property \"missing\"",
                "\"topic\" in kamelet \"broken-source\" does not contain a description",
                "non-capitalized word in the title: \"topic\"",
                "title starting with \"The \"",
                "misses descriptor \"urn:camel:group:credentials\"",
                "icon is not an SVG data: URI",
                "catalog.version \"0.0.1\" is not the version of pom.xml \"9.9.9\"",
                "group annotation",
                "\"org.example:lib:1.0\" that is not",
                "does not name this bundle's jar as mvn:dev.tnorders:opentact-order-routes:9.9.9",
                "parameter \"setting\" is not declared",
                "\"topic\" is declared in kamelet \"broken-source\" but never used",
                "must consume from \"kamelet:source\"");
    }

    /** Every rule of validator.go (and the stricter ones of this bundle, see the class comment). */
    static List<String> violations(List<KameletFile> kamelets, String pomVersion) {
        List<String> errors = new ArrayList<>();
        Map<String, List<String>> titles = new HashMap<>();
        Map<String, List<String>> descriptions = new HashMap<>();
        Set<String> catalogVersions = new LinkedHashSet<>();
        for (KameletFile k : kamelets) {
            String name = k.name();
            // verifyFileNames (and verifyInvalidContent)
            String fileName = k.file().getFileName().toString();
            if (!fileName.endsWith(".kamelet.yaml") || !name.equals(fileName.substring(0, fileName.length() - ".kamelet.yaml".length()))) {
                errors.add("file \"" + k.file() + "\" does not match the name of the contained kamelet: \"" + name + "\"");
            }
            // verifyKameletType
            String type = k.type();
            if (List.of("source", "sink", "action").contains(type)) {
                if (!name.endsWith("-" + type)) {
                    errors.add("name of kamelet \"" + name + "\" does not end with \"-" + type + "\"");
                }
            } else {
                errors.add("kamelet \"" + name + "\" contains an invalid value for the camel.apache.org/kamelet.type label: \"" + type + "\"");
            }
            Map<String, Object> spec = k.spec();
            Object template = spec.get("template");
            if (!(spec.get("definition") instanceof Map)) {
                errors.add("kamelet \"" + name + "\" does not contain the JSON schema definition");
                continue;
            }
            if (template == null) {
                errors.add("kamelet \"" + name + "\" does not contain the Template specification");
                continue;
            }
            Map<String, Object> definition = map(spec.get("definition"));
            Map<String, Map<String, Object>> properties = new LinkedHashMap<>();
            if (definition.get("properties") != null) {
                map(definition.get("properties")).forEach((p, v) -> properties.put(p, map(v)));
            }
            List<String> required = strings(definition.get("required"));
            // verifyParameters
            Set<String> seen = new HashSet<>();
            for (String p : required) {
                if (!seen.add(p)) {
                    errors.add("required kamelet property \"" + p + "\" is listed twice in kamelet \"" + name + "\"");
                }
            }
            String title = text(definition.get("title"));
            if (title.isEmpty()) {
                errors.add("kamelet \"" + name + "\" does not contain title");
            } else if (type != null && type.length() > 1) {
                String suffix = type.substring(0, 1).toUpperCase(Locale.ROOT) + type.substring(1);
                if (!title.endsWith(suffix)) {
                    errors.add("kamelet \"" + name + "\" title \"" + title + "\" does not end with \"" + suffix + "\"");
                }
            }
            String description = text(definition.get("description"));
            if (description.isEmpty()) {
                errors.add("kamelet \"" + name + "\" does not contain description");
            }
            if (!"object".equals(definition.get("type"))) {
                errors.add("kamelet \"" + name + "\" does not contain a definition of type \"object\"");
            }
            for (Map.Entry<String, Map<String, Object>> e : properties.entrySet()) {
                String p = e.getKey();
                Map<String, Object> prop = e.getValue();
                String at = "property \"" + p + "\" in kamelet \"" + name + "\"";
                if (text(prop.get("type")).isEmpty()) {
                    errors.add(at + " does not contain type");
                }
                String propTitle = text(prop.get("title"));
                if (propTitle.isEmpty()) {
                    errors.add(at + " does not contain title");
                } else {
                    for (String w : propTitle.split(" ")) {
                        if (!w.isEmpty() && !STOP_WORDS.contains(w.toLowerCase(Locale.ROOT))
                                && Character.isLowerCase(w.charAt(0))) {
                            errors.add(at + " has a non-capitalized word in the title: \"" + w + "\"");
                        }
                    }
                }
                for (String article : List.of("The ", "A ", "An ")) {
                    if (propTitle.startsWith(article)) {
                        errors.add(at + " has a title starting with \"" + article + "\"");
                    }
                }
                if (text(prop.get("description")).isEmpty()) {
                    errors.add(at + " does not contain a description");
                }
                // verifyDescriptors
                List<String> descriptors = strings(prop.get("x-descriptors"));
                if ("password".equals(prop.get("format")) && !descriptors.contains("urn:camel:group:credentials")) {
                    errors.add(at + " has \"password\" format but misses descriptor \"urn:camel:group:credentials\"");
                }
                if (descriptors.stream().anyMatch(d -> d.startsWith("urn:alm:descriptor:com.tectonic.ui"))) {
                    errors.add(at + " uses the deprecated x-descriptor prefix \"urn:alm:descriptor:com.tectonic.ui\"");
                }
                if (new LinkedHashSet<>(descriptors).size() != descriptors.size()) {
                    errors.add(at + " lists an x-descriptor more than once");
                }
            }
            for (String p : required) {
                if (!properties.containsKey(p)) {
                    errors.add("required property \"" + p + "\" in kamelet \"" + name + "\" is not defined");
                }
            }
            // verifyAnnotations (provider: see the class comment)
            Map<String, Object> annotations = k.annotations();
            String icon = text(annotations.get("camel.apache.org/kamelet.icon"));
            if (icon.isEmpty()) {
                errors.add("kamelet \"" + name + "\" does not contain the camel.apache.org/kamelet.icon annotation");
            } else if (!isSvgDataUri(icon)) {
                errors.add("kamelet \"" + name + "\" icon is not an SVG data: URI (data:image/svg+xml;base64,...)");
            }
            String catalogVersion = text(annotations.get("camel.apache.org/catalog.version"));
            if (catalogVersion.isEmpty()) {
                errors.add("kamelet \"" + name + "\" does not contain the camel.apache.org/catalog.version annotation");
            } else if (!catalogVersion.equals(pomVersion)) {
                errors.add("kamelet \"" + name + "\" catalog.version \"" + catalogVersion + "\" is not the version of pom.xml \""
                        + pomVersion + "\"");
            }
            catalogVersions.add(catalogVersion);
            if (text(annotations.get("camel.apache.org/provider")).isEmpty()) {
                errors.add("kamelet \"" + name + "\" does not name its camel.apache.org/provider");
            }
            for (String a : List.of("camel.apache.org/kamelet.group", "camel.apache.org/kamelet.namespace")) {
                if (text(annotations.get(a)).isEmpty()) {
                    errors.add("kamelet \"" + name + "\" lacks the " + a.substring(a.indexOf('.', a.indexOf('/')) + 1)
                            + " annotation (" + a + ")");
                }
            }
            // verifyDuplicates
            titles.computeIfAbsent(title, t -> new ArrayList<>()).add(name);
            descriptions.computeIfAbsent(description, d -> new ArrayList<>()).add(name);
            // verifyUsedParams: declared = the properties and the template's beans
            Set<String> declared = new LinkedHashSet<>(properties.keySet());
            if (template instanceof Map<?, ?> t && t.get("beans") instanceof List<?> beans) {
                for (Object b : beans) {
                    if (b instanceof Map<?, ?> bean && bean.get("name") instanceof String beanName) {
                        declared.add(beanName);
                    }
                }
            }
            Set<String> used = new LinkedHashSet<>();
            usedParams(template, used);
            for (String p : used) {
                if (!declared.contains(p)) {
                    errors.add("parameter \"" + p + "\" is not declared in the definition of kamelet \"" + name + "\"");
                }
            }
            for (String p : declared) {
                if (!used.contains(p)) {
                    errors.add("parameter \"" + p + "\" is declared in kamelet \"" + name + "\" but never used");
                }
            }
            // verifyTemplateConvention
            String templateText = String.valueOf(template);
            if ("source".equals(type) && !templateText.contains("kamelet:sink")) {
                errors.add("source kamelet \"" + name + "\" must route to \"kamelet:sink\"");
            }
            if ("sink".equals(type) && !templateText.contains("kamelet:source")) {
                errors.add("sink kamelet \"" + name + "\" must consume from \"kamelet:source\"");
            }
            // verifyDependencies, and this bundle's jar with the pom's version
            List<String> dependencies = strings(spec.get("dependencies"));
            for (String d : dependencies) {
                if (!d.startsWith("camel:") && !d.startsWith("mvn:") && !d.startsWith("github:apache/")) {
                    errors.add("kamelet \"" + name + "\" declares dependency \"" + d
                            + "\" that is not a \"camel:\", \"mvn:group:artifact:version\" or \"github:apache/...\" reference");
                }
            }
            String jar = "mvn:" + GROUP_ID + ":" + ARTIFACT_ID + ":" + pomVersion;
            if (!dependencies.contains(jar)) {
                errors.add("kamelet \"" + name + "\" does not name this bundle's jar as " + jar + " in spec.dependencies: "
                        + dependencies);
            }
        }
        titles.forEach((t, names) -> {
            if (names.size() > 1) {
                errors.add("kamelets " + names + " have duplicate title \"" + t + "\"");
            }
        });
        descriptions.forEach((d, names) -> {
            if (names.size() > 1) {
                errors.add("kamelets " + names + " have duplicate description");
            }
        });
        // verifyCatalogVersion
        if (catalogVersions.size() > 1) {
            errors.add("inconsistent camel.apache.org/catalog.version across the catalog: " + catalogVersions);
        }
        return errors;
    }

    /** validator.go's inspectTemplateParams: every string in the template, searched with paramRegexp. */
    private static void usedParams(Object value, Set<String> used) {
        if (value instanceof String s) {
            Matcher m = PARAM.matcher(s);
            while (m.find()) {
                used.add(m.group(1));
            }
        } else if (value instanceof Map<?, ?> m) {
            m.values().forEach(v -> usedParams(v, used));
        } else if (value instanceof List<?> l) {
            l.forEach(v -> usedParams(v, used));
        }
    }

    private static boolean isSvgDataUri(String icon) {
        String prefix = "data:image/svg+xml;base64,";
        if (!icon.startsWith(prefix)) {
            return false;
        }
        try {
            byte[] svg = Base64.getDecoder().decode(icon.substring(prefix.length()));
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg));
            Element root = doc.getDocumentElement();
            return "svg".equals(root.getLocalName()) && "http://www.w3.org/2000/svg".equals(root.getNamespaceURI());
        } catch (Exception e) {
            return false;
        }
    }

    static List<KameletFile> kamelets() throws IOException {
        List<KameletFile> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(KAMELETS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".kamelet.yaml")).sorted().toList()) {
                out.add(new KameletFile(f, map(new Load(LoadSettings.builder().build()).loadFromString(Files.readString(f)))));
            }
        }
        return out;
    }

    /** The project's own version: /project/version of pom.xml (not a parent's). */
    static String pomVersion() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        Document pom = f.newDocumentBuilder().parse(new ByteArrayInputStream(Files.readString(POM).getBytes(StandardCharsets.UTF_8)));
        for (var n = pom.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "version".equals(e.getTagName())) {
                return e.getTextContent().strip();
            }
        }
        throw new AssertionError("no <version> in " + POM);
    }

    private static String text(Object value) {
        return value == null ? "" : String.valueOf(value).strip();
    }

    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> l) {
            l.forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
