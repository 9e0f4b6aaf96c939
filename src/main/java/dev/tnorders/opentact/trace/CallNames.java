package dev.tnorders.opentact.trace;

/**
 * The name of an Opentact call's span: {@code opentact <method> <path template>}, e.g.
 * {@code opentact GET /rest/order/{id}}. A span's name is not filtered on its way out (only its
 * attributes are, {@code SpanHygiene}), so it holds neither the query nor any segment of the path
 * that is not a plain word: an order uuid (or anything else that varies) becomes {@code {id}}.
 * Few names, the same for every order: what a tracing backend groups by.
 */
public final class CallNames {

    private static final int LONGEST_WORD = 24;

    private CallNames() {
    }

    public static String spanName(String method, String path) {
        return "opentact " + method(method) + " " + template(path);
    }

    /** The path with every segment that is not a plain lower-case word replaced by {@code {id}}; no query. */
    public static String template(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        StringBuilder b = new StringBuilder(p.length());
        for (String segment : p.split("/", -1)) {
            if (b.length() > 0 || !segment.isEmpty()) {
                b.append('/');
            }
            if (!segment.isEmpty()) {
                b.append(word(segment) ? segment : "{id}");
            }
        }
        return b.length() == 0 ? "/" : b.toString();
    }

    private static String method(String method) {
        if (method != null && !method.isEmpty() && method.length() <= 8 && method.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
            return method;
        }
        return "HTTP";
    }

    private static boolean word(String s) {
        if (s.length() > LONGEST_WORD) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || (i > 0 && (c == '-' || c == '_')))) {
                return false;
            }
        }
        return true;
    }
}
