package dev.tnorders.opentact.wiring;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bean of beans.camel.yaml made from its arguments by name. The YAML names a subclass as the
 * bean's {@code builderClass} and sets each argument as a property: Camel's property binding (the
 * same in every runtime) reads the {@code {{...}}} placeholders, looks up the {@code #bean:}
 * references, and puts each value into this map under its name; then it calls {@link #build()},
 * which hands them to the bean's constructor (and setters) by name. Every argument a subclass
 * reads is required; a property it does not read (a misspelt name) fails the build, naming it. The
 * failure is logged too: Camel tries a bean that failed once more, with the properties the first
 * try took, so the error it reports is the second one ("got no arguments").
 *
 * @param <T> the bean's type
 */
public abstract class NamedArguments<T> extends HashMap<String, Object> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NamedArguments.class);

    private final String beanType;
    private final transient Set<String> read = new HashSet<>();

    protected NamedArguments(Class<T> beanType) {
        this.beanType = beanType.getSimpleName();
    }

    /** The bean, from the properties set (the builder method beans.camel.yaml calls). */
    public final T build() {
        if (isEmpty()) {
            throw new IllegalArgumentException(beanType + " got no arguments (beans.camel.yaml): if a first try to "
                    + "build it failed, its error is logged above");
        }
        try {
            T bean = make();
            Set<String> unread = new TreeSet<>(keySet());
            unread.removeAll(read);
            if (!unread.isEmpty()) {
                throw new IllegalArgumentException(beanType + " takes no argument named " + String.join(", ", unread));
            }
            return bean;
        } catch (RuntimeException e) {
            LOG.error("beans.camel.yaml: {} cannot be built: {}", beanType, e.getMessage());
            throw e;
        }
    }

    /** The bean, from {@link #text}, {@link #integer}, {@link #whole}, {@link #flag} and {@link #bean}. */
    protected abstract T make();

    /** The named argument as text (a setting's value as the host set it, unchanged). */
    protected String text(String name) {
        Object value = value(name);
        if (!(value instanceof String s)) {
            throw wrong(name, value, "text");
        }
        return s;
    }

    protected int integer(String name) {
        try {
            return Integer.parseInt(text(name).strip());
        } catch (NumberFormatException e) {
            throw wrong(name, value(name), "a whole number");
        }
    }

    protected long whole(String name) {
        try {
            return Long.parseLong(text(name).strip());
        } catch (NumberFormatException e) {
            throw wrong(name, value(name), "a whole number");
        }
    }

    protected boolean flag(String name) {
        String s = text(name).strip().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw wrong(name, s, "true or false");
        }
        return Boolean.parseBoolean(s);
    }

    /** The named argument as a bean ({@code "#bean:name"} in the YAML). */
    protected <B> B bean(String name, Class<B> type) {
        Object value = value(name);
        if (!type.isInstance(value)) {
            throw wrong(name, value == null ? null : value.getClass().getName(), "a " + type.getSimpleName() + " bean");
        }
        return type.cast(value);
    }

    private Object value(String name) {
        read.add(name);
        if (!containsKey(name) || get(name) == null) {
            throw new IllegalArgumentException(beanType + " needs its " + name);
        }
        return get(name);
    }

    private IllegalArgumentException wrong(String name, Object value, String expected) {
        return new IllegalArgumentException(beanType + "'s " + name + " must be " + expected + ", was " + value);
    }
}
