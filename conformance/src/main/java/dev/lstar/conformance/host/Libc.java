package dev.lstar.conformance.host;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Downcalls to the few libc functions {@link HostCpu} needs (mmap, mprotect, munmap). */
final class Libc {
    private Libc() {}

    // <sys/mman.h> on Linux x86-64.
    static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = handle("mmap", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = handle("mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        MemorySegment sym = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc symbol not found: " + name));
        return LINKER.downcallHandle(sym, fd);
    }

    /** mmap of anonymous private memory; {@code hint} 0 lets the kernel choose. Throws on failure. */
    static long mmap(long hint, long size, int prot, int extraFlags) {
        long r;
        try {
            r = (long) MMAP.invokeExact(hint, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | extraFlags, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        if (r == -1L) { // MAP_FAILED
            throw new IllegalStateException("mmap(" + Long.toHexString(hint) + ", " + size + ") failed");
        }
        return r;
    }

    static void mprotect(long addr, long size, int prot) {
        int r;
        try {
            r = (int) MPROTECT.invokeExact(addr, size, prot);
        } catch (Throwable t) {
            throw new IllegalStateException("mprotect downcall failed", t);
        }
        if (r != 0) {
            throw new IllegalStateException("mprotect(" + Long.toHexString(addr) + ", " + size + ", " + prot + ") failed");
        }
    }

    static void munmap(long addr, long size) {
        try {
            int r = (int) MUNMAP.invokeExact(addr, size);
            if (r != 0) {
                throw new IllegalStateException("munmap failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
    }
}
