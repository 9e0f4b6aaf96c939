package dev.tnorders.opentact.wiring;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A bean of beans.camel.yaml made from its arguments by name. The YAML names a subclass as the
 * bean's {@code builderClass} and sets each argument as a property: Camel's property binding (the
 * same in every runtime) reads the {@code {{...}}} placeholders, looks up the {@code #bean:}
 * references, and puts each value into this map under its name; then it calls {@link #build()},
 * which hands them to the bean's constructor (and setters) by name. Every argument a subclass
 * reads is required; a property it does not read (a misspelt name) fails the build, naming it.
 *
 * <p>Camel builds a bean that failed in its first pass over the file (its build, a bean it names that
 * failed, its init method: the journal's start without Kafka, say) a second time, but the first try
 * took the properties it had bound out of the bean's definition. So each builder keeps, per thread,
 * the last value given to each of its names, and a try that lacks a name it reads takes it from there: the
 * second try makes a new bean from the same values, and fails, if it does, with the same error, as
 * a bean made by its constructor from the YAML does. (Each builder serves one bean of one file, so
 * the names kept are those that file gives it.)
 *
 * @param <T> the bean's type
 */
public abstract class NamedArguments<T> extends HashMap<String, Object> {

    private static final long serialVersionUID = 1L;
    /** The last value given to each name of each builder, on this thread. */
    private static final ThreadLocal<Map<Class<?>, Map<String, Object>>> GIVEN = ThreadLocal.withInitial(HashMap::new);

    private final String beanType;
    private final transient Set<String> read = new HashSet<>();

    protected NamedArguments(Class<T> beanType) {
        this.beanType = beanType.getSimpleName();
    }

    /** The bean, from the properties set (the builder method beans.camel.yaml calls). */
    public final T build() {
        T bean = make();
        Set<String> unread = new TreeSet<>(keySet());
        unread.removeAll(read);
        if (!unread.isEmpty()) {
            throw new IllegalArgumentException(beanType + " takes no argument named " + String.join(", ", unread));
        }
        return bean;
    }

    /** Camel's property binding gives each argument here. */
    @Override
    public Object put(String name, Object value) {
        given().put(name, value);
        return super.put(name, value);
    }

    private Map<String, Object> given() {
        return GIVEN.get().computeIfAbsent(getClass(), c -> new HashMap<>());
    }

    /** The bean, from {@link #text}, {@link #integer}, {@link #whole}, {@link #flag} and {@link #bean}. */
    protected abstract T make();

    /** The named argument as text (a setting's value as the host set it, unchanged). */
    protected String text(String name) {
        Object value = value(name);
        if (!(value instanceof String s)) {
            throw wrong(name, value.getClass().getName(), "text");
        }
        return s;
    }

    /** The named argument as an int; a setting's value may have blanks around it. */
    protected int integer(String name) {
        try {
            return Integer.parseInt(text(name).strip());
        } catch (NumberFormatException e) {
            throw wrong(name, value(name), "a whole number");
        }
    }

    /** The named argument as a long. */
    protected long whole(String name) {
        try {
            return Long.parseLong(text(name).strip());
        } catch (NumberFormatException e) {
            throw wrong(name, value(name), "a whole number");
        }
    }

    /** The named argument as {@code true} or {@code false} (in any case). */
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
            throw wrong(name, value.getClass().getName(), "a " + type.getSimpleName() + " bean");
        }
        return type.cast(value);
    }

    private Object value(String name) {
        read.add(name);
        Object value = containsKey(name) ? get(name) : given().get(name);
        if (value == null) {
            throw new IllegalArgumentException(beanType + " needs its " + name);
        }
        return value;
    }

    private IllegalArgumentException wrong(String name, Object value, String expected) {
        return new IllegalArgumentException(beanType + "'s " + name + " must be " + expected + ", was " + value);
    }
}
