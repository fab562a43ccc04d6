package dev.lstar.runtime.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteOrder;

/**
 * Little-endian loads and stores of 2, 4 and 8 bytes at an offset in a guest frame array (always
 * exactly {@value PhysicalMemory#PAGE_SIZE} bytes, see {@link PhysicalMemory#adoptFrame}), for the
 * accesses that already know the bytes lie in the frame: the {@link Mmu}'s fast paths and
 * {@link PhysicalMemory}'s reads and writes, and translated code's (its page cache's hits, the
 * 16-byte SSE accesses, the runs of pushes and pops).
 *
 * <p>Two implementations of the same thing, picked once: {@code sun.misc.Unsafe}'s plain
 * {@code getLong}/{@code putLong}... at the array's base offset when the JVM allows it without a
 * warning (the launcher passes {@code --sun-misc-unsafe-memory-access=allow}, visible as the
 * system property {@code sun.misc.unsafe.memory.access}) on a little-endian host; otherwise
 * Java's byte-array views. Both compile to one host load or store. The reason for the first is
 * HotSpot's inlining budget for one compiled method (DesiredMethodLimit, 8,000 bytecodes, the
 * translated method's own included): a view access inlines ~110 bytecodes of
 * {@code java.lang.invoke} plumbing, an {@code Unsafe} one ~45, and every access of a translated
 * block pays it. Callers check the offset themselves (an {@code Unsafe} access has no bounds
 * check): {@code offset + size <= frame.length}.
 */
public final class FrameAccess {
    private FrameAccess() {}

    /** The internal name, for generated code that calls it. */
    public static final String NAME = "dev/lstar/runtime/mem/FrameAccess";

    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN),
            LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN),
            LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The host's {@code Unsafe} when it may be used here (see the class comment), else null. */
    @SuppressWarnings("removal")
    static final sun.misc.Unsafe U = unsafe();
    private static final long BASE = U == null ? 0 : U.arrayBaseOffset(byte[].class);

    /** Whether the {@code Unsafe} implementation is in use. */
    public static boolean usesUnsafe() {
        return U != null;
    }

    @SuppressWarnings("removal")
    private static sun.misc.Unsafe unsafe() {
        if (!"allow".equals(System.getProperty("sun.misc.unsafe.memory.access"))
                || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || Boolean.getBoolean("lstar.jit.noUnsafe")) {
            return null;
        }
        sun.misc.Unsafe u = theUnsafe();
        return u != null && u.arrayIndexScale(byte[].class) == 1 ? u : null;
    }

    /** {@code sun.misc.Unsafe}'s instance, or null when it cannot be had (also {@code PhysicalMemory}'s atomics). */
    @SuppressWarnings("removal")
    static sun.misc.Unsafe theUnsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    @SuppressWarnings("removal")
    public static long get16(byte[] f, int o) {
        return U != null ? U.getShort(f, BASE + o) & 0xFFFFL : viewGet16(f, o);
    }

    @SuppressWarnings("removal")
    public static long get32(byte[] f, int o) {
        return U != null ? U.getInt(f, BASE + o) & 0xFFFF_FFFFL : viewGet32(f, o);
    }

    @SuppressWarnings("removal")
    public static long get64(byte[] f, int o) {
        return U != null ? U.getLong(f, BASE + o) : viewGet64(f, o);
    }

    @SuppressWarnings("removal")
    public static void put16(byte[] f, int o, long v) {
        if (U != null) U.putShort(f, BASE + o, (short) v);
        else viewPut16(f, o, v);
    }

    @SuppressWarnings("removal")
    public static void put32(byte[] f, int o, long v) {
        if (U != null) U.putInt(f, BASE + o, (int) v);
        else viewPut32(f, o, v);
    }

    @SuppressWarnings("removal")
    public static void put64(byte[] f, int o, long v) {
        if (U != null) U.putLong(f, BASE + o, v);
        else viewPut64(f, o, v);
    }

    // the byte-array view implementation (separate methods: HotSpot never parses the branch not
    // taken, so its bytecodes do not count against the caller's inlining budget)

    static long viewGet16(byte[] f, int o) {
        return (short) LE16.get(f, o) & 0xFFFFL;
    }

    static long viewGet32(byte[] f, int o) {
        return (int) LE32.get(f, o) & 0xFFFF_FFFFL;
    }

    static long viewGet64(byte[] f, int o) {
        return (long) LE64.get(f, o);
    }

    static void viewPut16(byte[] f, int o, long v) {
        LE16.set(f, o, (short) v);
    }

    static void viewPut32(byte[] f, int o, long v) {
        LE32.set(f, o, (int) v);
    }

    static void viewPut64(byte[] f, int o, long v) {
        LE64.set(f, o, v);
    }
}
