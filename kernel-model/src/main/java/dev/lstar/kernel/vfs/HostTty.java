package dev.lstar.kernel.vfs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The host's terminal behind the JVM's own stdin, stdout or stderr: the terminal ioctls are
 * passed to the host libc's {@code ioctl(fd, request, buf)} through the FFM API, so a guest whose
 * fd 0/1/2 is the host's terminal sees its real termios and window size (and a TCSETS* changes
 * the host terminal, as the same program run natively would). A host fd that is not a terminal
 * answers ENOTTY itself. Unavailable off Linux x86-64 or without native access: then every
 * terminal ioctl is ENOTTY, as for any non-terminal.
 */
public final class HostTty {
    private HostTty() {}

    private static final MethodHandle IOCTL;
    private static final VarHandle ERRNO;
    private static final MemoryLayout STATE;

    static {
        MethodHandle h = null;
        VarHandle e = null;
        MemoryLayout st = null;
        try {
            if (System.getProperty("os.name", "").startsWith("Linux") && System.getProperty("os.arch", "").equals("amd64")) {
                Linker linker = Linker.nativeLinker();
                Linker.Option ccs = Linker.Option.captureCallState("errno");
                st = Linker.Option.captureStateLayout();
                e = st.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                MethodHandle found = linker.defaultLookup().find("ioctl").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                        ccs, Linker.Option.firstVariadicArg(2))).orElse(null);
                h = found;
            }
        } catch (Throwable t) {
            h = null; // no native access: no terminal
        }
        IOCTL = h;
        ERRNO = e;
        STATE = st;
    }

    /**
     * ioctl(hostFd, request, buf) with {@code len} bytes of {@code buf} going in and coming back:
     * 0, or -errno (-ENOTTY when the host fd is no terminal or lstar cannot ask).
     */
    public static int ioctl(int hostFd, long request, byte[] buf, int len) {
        if (IOCTL == null) return -dev.lstar.kernel.Errno.ENOTTY;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment b = a.allocate(Math.max(len, 8), 8);
            MemorySegment.copy(buf, 0, b, ValueLayout.JAVA_BYTE, 0, len);
            int r = (int) IOCTL.invokeExact(state, hostFd, request, b);
            if (r < 0) return -(int) ERRNO.get(state, 0L);
            MemorySegment.copy(b, ValueLayout.JAVA_BYTE, 0, buf, 0, len);
            return 0;
        } catch (Throwable t) {
            return -dev.lstar.kernel.Errno.ENOTTY;
        }
    }
}
