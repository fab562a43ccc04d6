package dev.lstar.kernel.vfs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * st_blksize and st_blocks of a host file, which java.nio's "unix" attributes do not carry: the
 * host libc's fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW) through the FFM API (glibc's
 * x86-64 struct stat is the kernel's). Unavailable (null) off Linux x86-64, without native access,
 * or if the call fails; callers then estimate.
 */
final class HostStat {
    private HostStat() {}

    private static final MethodHandle FSTATAT;

    static {
        MethodHandle h = null;
        try {
            if (System.getProperty("os.name", "").startsWith("Linux") && System.getProperty("os.arch", "").equals("amd64")) {
                Linker linker = Linker.nativeLinker();
                h = linker.defaultLookup().find("fstatat").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))).orElse(null);
            }
        } catch (Throwable t) {
            h = null; // no native access: estimate instead
        }
        FSTATAT = h;
    }

    /** {st_blksize, st_blocks}, or null. */
    static long[] blocks(Path p) {
        if (FSTATAT == null) return null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(p.toAbsolutePath().toString());
            MemorySegment buf = a.allocate(144, 8);
            int r = (int) FSTATAT.invokeExact(-100, path, buf, 0x100);
            if (r != 0) return null;
            return new long[] {buf.get(ValueLayout.JAVA_LONG, 56), buf.get(ValueLayout.JAVA_LONG, 64)};
        } catch (Throwable t) {
            return null;
        }
    }
}
