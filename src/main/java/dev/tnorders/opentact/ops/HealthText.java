package dev.tnorders.opentact.ops;

/** Health messages end up in hand-written JSON (Camel's health endpoint): keep them plain. */
final class HealthText {

    private HealthText() {
    }

    static String plain(String text) {
        if (text == null) {
            return "";
        }
        String t = text.replace('"', '\'').replace('\\', '/').replaceAll("[\\r\\n\\t]+", " ");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
