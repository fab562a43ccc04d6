package dev.lstar.kernel.vfs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Host descriptors used directly through the host libc (FFM API): poll(2), read(2), write(2),
 * fstat(2), open(2) and close(2). lstar reads the JVM's own stdin this way rather than through
 * {@code System.in}, so that it never reads ahead (bytes the guest did not ask for stay in the
 * host's stdin for whoever reads it next) and can wait for input without blocking in the host
 * (a signal must be able to interrupt the wait). Unavailable off Linux x86-64 or without native
 * access ({@link #available()} false); callers then fall back to Java streams.
 */
public final class HostIo {
    private HostIo() {}

    private static final MethodHandle POLL, READ, WRITE, FSTAT, OPEN, CLOSE;
    private static final VarHandle ERRNO;
    private static final MemoryLayout STATE;

    static {
        MethodHandle poll = null, read = null, write = null, fstat = null, open = null, close = null;
        VarHandle e = null;
        MemoryLayout st = null;
        try {
            if (System.getProperty("os.name", "").startsWith("Linux") && System.getProperty("os.arch", "").equals("amd64")) {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option ccs = Linker.Option.captureCallState("errno");
                st = Linker.Option.captureStateLayout();
                e = st.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                ValueLayout i = ValueLayout.JAVA_INT, l = ValueLayout.JAVA_LONG, p = ValueLayout.ADDRESS;
                poll = linker.downcallHandle(libc.find("poll").orElseThrow(), FunctionDescriptor.of(i, p, l, i), ccs);
                read = linker.downcallHandle(libc.find("read").orElseThrow(), FunctionDescriptor.of(l, i, p, l), ccs);
                write = linker.downcallHandle(libc.find("write").orElseThrow(), FunctionDescriptor.of(l, i, p, l), ccs);
                fstat = linker.downcallHandle(libc.find("fstat").orElseThrow(), FunctionDescriptor.of(i, i, p), ccs);
                open = linker.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(i, p, i, i), ccs,
                        Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(i, i));
            }
        } catch (Throwable t) {
            poll = null; // no native access: Java streams instead
        }
        boolean ok = poll != null && read != null && write != null && fstat != null && open != null && close != null;
        POLL = ok ? poll : null;
        READ = read;
        WRITE = write;
        FSTAT = fstat;
        OPEN = open;
        CLOSE = close;
        ERRNO = e;
        STATE = st;
    }

    /** Whether lstar can use host descriptors directly. */
    public static boolean available() {
        return POLL != null;
    }

    /** Every event poll(2) reports for a host file (its revents are passed through as they are). */
    public static final int ALL_EVENTS = OpenFile.POLLIN | OpenFile.POLLPRI | OpenFile.POLLOUT | OpenFile.POLLRDNORM
            | OpenFile.POLLRDBAND | OpenFile.POLLWRNORM | OpenFile.POLLWRBAND | OpenFile.POLLRDHUP;

    /** poll(2) of one host descriptor for {@code events} with no wait: its revents, or -errno. */
    public static int poll(int fd, int events) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment pfd = a.allocate(8, 8);
            pfd.set(ValueLayout.JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, (short) events);
            int r = (int) POLL.invokeExact(state, pfd, 1L, 0);
            if (r < 0) return -(int) ERRNO.get(state, 0L);
            return pfd.get(ValueLayout.JAVA_SHORT, 6) & 0xFFFF;
        } catch (Throwable t) {
            return -dev.lstar.kernel.Errno.EIO;
        }
    }

    /** read(2) of at most {@code len} bytes into {@code b}: the count, or -errno. */
    public static int read(int fd, byte[] b, int off, int len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment buf = a.allocate(Math.max(len, 1));
            long r = (long) READ.invokeExact(state, fd, buf, (long) len);
            if (r < 0) return -(int) ERRNO.get(state, 0L);
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) r);
            return (int) r;
        } catch (Throwable t) {
            return -dev.lstar.kernel.Errno.EIO;
        }
    }

    /** write(2) of {@code len} bytes of {@code b}: the count written, or -errno. */
    public static int write(int fd, byte[] b, int off, int len) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment buf = a.allocate(Math.max(len, 1));
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            long r = (long) WRITE.invokeExact(state, fd, buf, (long) len);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : (int) r;
        } catch (Throwable t) {
            return -dev.lstar.kernel.Errno.EIO;
        }
    }

    /** fstat(2): the host's struct stat (x86-64 layout, as {@link Stat#toStat()} writes it), or null. */
    public static Stat fstat(int fd) {
        if (POLL == null) return null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment b = a.allocate(144, 8);
            int r = (int) FSTAT.invokeExact(state, fd, b);
            if (r != 0) return null;
            ValueLayout.OfLong q = ValueLayout.JAVA_LONG;
            ValueLayout.OfInt d = ValueLayout.JAVA_INT;
            return new Stat(b.get(q, 0), b.get(q, 8), b.get(d, 24), b.get(q, 16), b.get(d, 28), b.get(d, 32), b.get(q, 40),
                    b.get(q, 48), b.get(q, 56), b.get(q, 64), b.get(q, 72), (int) b.get(q, 80), b.get(q, 88), (int) b.get(q, 96),
                    b.get(q, 104), (int) b.get(q, 112), 0, 0, false);
        } catch (Throwable t) {
            return null;
        }
    }

    /** open(2) of a host path: the host descriptor, or -errno. */
    public static int open(String path, int flags, int mode) {
        if (POLL == null) return -dev.lstar.kernel.Errno.ENXIO;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            int r = (int) OPEN.invokeExact(state, a.allocateFrom(path), flags, mode);
            return r < 0 ? -(int) ERRNO.get(state, 0L) : r;
        } catch (Throwable t) {
            return -dev.lstar.kernel.Errno.ENXIO;
        }
    }

    /** close(2) of a host descriptor lstar opened. */
    public static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing to report: close errors of a terminal lstar opened are not the guest's
        }
    }
}
