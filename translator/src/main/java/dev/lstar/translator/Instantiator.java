package dev.lstar.translator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * Makes the one instance of a freshly defined block class. The generated classes have no
 * constructor code of their own (the object's fields are set by the translator), so the instance
 * is allocated directly with {@code sun.misc.Unsafe.allocateInstance} (module jdk.unsupported):
 * measured about 4% of the whole cost of a translation less than going through
 * {@link MethodHandles.Lookup#findConstructor}, which builds a method handle per class. Where
 * {@code Unsafe} is not available the method-handle path is used.
 */
final class Instantiator {
    private Instantiator() {}

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** A new instance of the class of {@code h} (a lookup on a freshly defined block class). */
    static CompiledBlock create(MethodHandles.Lookup h) throws Throwable {
        Class<?> c = h.lookupClass();
        if (UNSAFE != null) return (CompiledBlock) UNSAFE.allocateInstance(c);
        return (CompiledBlock) h.findConstructor(c, MethodType.methodType(void.class)).invoke();
    }

    /**
     * Another instance of block class {@code c} (defined earlier, maybe by another engine: see
     * {@link SharedTranslations}); its public constructor is accessible to this package's lookup.
     */
    static CompiledBlock create(Class<?> c) {
        try {
            if (UNSAFE != null) return (CompiledBlock) UNSAFE.allocateInstance(c);
            return (CompiledBlock) MethodHandles.lookup().findConstructor(c, MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot instantiate block class " + c.getName(), t);
        }
    }
}
