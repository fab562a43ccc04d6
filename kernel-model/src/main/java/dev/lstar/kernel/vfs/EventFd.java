package dev.lstar.kernel.vfs;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.kernel.Ids;

/**
 * An eventfd (fs/eventfd.c): a 64-bit counter behind an anonymous inode. read(2) takes 8 bytes:
 * the counter, which is reset to 0 (with EFD_SEMAPHORE: 1, and the counter is decremented); a
 * zero counter blocks. write(2) adds an 8-byte value (not ULLONG_MAX) and blocks while the sum
 * would pass ULLONG_MAX - 1. lstar runs one thread, so a blocking read or write that cannot be
 * served now can only end by a signal: it throws {@link Pipe.WouldBlockForever}, handled like a
 * pipe's. With O_NONBLOCK both are EAGAIN.
 */
public final class EventFd extends OpenFile {
    public static final int EFD_SEMAPHORE = 1;
    /** ULLONG_MAX - 1: the largest value the counter may hold. */
    static final long MAX = 0xFFFF_FFFF_FFFF_FFFEL;
    private static int nextIno = 20000;

    private long count;
    private final boolean semaphore;
    private final long ino = nextIno++;
    private final long created = System.currentTimeMillis() / 1000;

    public EventFd(long initval, int flags) {
        super(O_RDWR | (flags & O_NONBLOCK), "anon_inode:[eventfd]");
        this.count = initval;
        this.semaphore = (flags & EFD_SEMAPHORE) != 0;
    }

    /** The counter (for tests and fdinfo). */
    public long count() { return count; }

    @Override public int read(byte[] b, int off, int len) {
        if (len < 8) throw new SysError(EINVAL);
        if (count == 0) {
            if ((flags & O_NONBLOCK) != 0) throw new SysError(EAGAIN);
            throw new Pipe.WouldBlockForever("read of an eventfd whose counter is 0 in this single-threaded process");
        }
        long v = semaphore ? 1 : count;
        count -= v;
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (8 * i));
        return 8;
    }

    @Override public int write(byte[] b, int off, int len) {
        if (len < 8) throw new SysError(EINVAL);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xFF);
        if (v == -1L) throw new SysError(EINVAL);
        if (Long.compareUnsigned(MAX - count, v) < 0) { // ULLONG_MAX - count <= v: no room
            if ((flags & O_NONBLOCK) != 0) throw new SysError(EAGAIN);
            throw new Pipe.WouldBlockForever("write to an eventfd whose counter cannot take the value in this single-threaded process");
        }
        count += v;
        return 8;
    }

    /** noop_llseek: the position stays 0. */
    @Override public long seek(long offset, int whence) { return 0; }

    /** eventfd_poll: readable with a non-zero counter, writable while 1 more fits. */
    @Override public int pollMask() {
        int mask = 0;
        if (count != 0) mask |= POLLIN;
        if (count == -1L) mask |= POLLERR;
        if (Long.compareUnsigned(count, MAX) < 0) mask |= POLLOUT;
        return mask;
    }

    /** An anonymous inode: mode 0600 without a file type, as fstat shows it on Linux. */
    @Override public Stat stat(Vfs vfs) {
        return new Stat(Stat.makedev(0, 15), ino, 0600, 1, (int) Ids.uid(), (int) Ids.gid(), 0, 0, 4096, 0,
                created, 0, created, 0, created, 0, 0, 0, false);
    }
}
