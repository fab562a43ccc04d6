package dev.lstar.kernel.vfs;

import dev.lstar.kernel.Ids;

import static dev.lstar.kernel.Errno.*;

/**
 * A pipe (fs/pipe.c): a 64 KiB buffer (PIPE_DEF_BUFFERS pages) with a read end and a write end,
 * shared by every process that holds a descriptor of it. A read of an empty pipe whose write end
 * is still open (or a write to a full one) cannot go on now: without O_NONBLOCK it throws
 * {@link WouldBlockForever}, and the kernel waits while other tasks run and retries (or, when no
 * other task could ever change the pipe, ends the process with a clear report instead of
 * hanging); with O_NONBLOCK it is EAGAIN. A write with no reader left is EPIPE and SIGPIPE ({@link BrokenPipe}).
 */
public final class Pipe {
    public static final int CAPACITY = 65536, PIPE_BUF = 4096;
    private static int nextIno = 10000;

    private final byte[] buf = new byte[CAPACITY];
    private int head, size;
    int readers, writers;
    final long ino = nextIno++;
    final long created = System.currentTimeMillis() / 1000;

    /** A blocking operation that nothing in this process could ever complete. */
    public static final class WouldBlockForever extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public WouldBlockForever(String m) {
            super(m, null, false, false);
        }
    }

    /** A write to a pipe with no read end: EPIPE, and SIGPIPE to the writer. */
    public static final class BrokenPipe extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BrokenPipe() {
            super("EPIPE", null, false, false);
        }
    }

    /** Creates a pipe: {read end, write end}. */
    public static End[] create(int flags) {
        Pipe p = new Pipe();
        End r = p.new End(false, OpenFile.O_RDONLY | (flags & OpenFile.O_NONBLOCK));
        End w = p.new End(true, OpenFile.O_WRONLY | (flags & OpenFile.O_NONBLOCK));
        p.readers = 1;
        p.writers = 1;
        return new End[] {r, w};
    }

    public final class End extends OpenFile {
        final boolean writeEnd;
        /** Opened O_RDWR (through /proc/PID/fd/N, as fifo_open allows): a reader and a writer at once. */
        final boolean both;

        End(boolean writeEnd, int flags) {
            this(writeEnd, false, flags);
        }

        End(boolean writeEnd, boolean both, int flags) {
            super(flags, "pipe:[" + ino + "]");
            this.writeEnd = writeEnd;
            this.both = both;
        }

        /**
         * A new open file description of the same pipe (open of /proc/PID/fd/N: fifo_open on the
         * pipe's inode): a read end, a write end or, for O_RDWR, both; {@code flags} are its own.
         */
        public End reopen(int flags) {
            int acc = flags & O_ACCMODE;
            if (acc == 3) throw new SysError(EINVAL);
            End e = new End(acc == O_WRONLY, acc == O_RDWR, flags);
            if (acc != O_WRONLY) readers++;
            if (acc != O_RDONLY) writers++;
            return e;
        }

        @Override public boolean isPipe() { return true; }

        /**
         * pipe_poll: the read end is readable with bytes waiting and hung up once no write end
         * is left; the write end is writable while a page's worth (PIPE_BUF) is free (Linux: a
         * free slot of its 16 pages) and in error once no read end is left.
         */
        @Override public int pollMask() {
            int mask = 0;
            if (!writeEnd || both) {
                if (size > 0) mask |= POLLIN | POLLRDNORM;
                if (writers == 0) mask |= POLLHUP;
            }
            if (writeEnd || both) {
                if (CAPACITY - size >= PIPE_BUF) mask |= POLLOUT | POLLWRNORM;
                if (readers == 0) mask |= POLLERR;
            }
            return mask;
        }

        /** Bytes waiting (FIONREAD). */
        public int available() { return size; }

        @Override public int read(byte[] b, int off, int len) {
            if (writeEnd && !both) throw new SysError(EBADF);
            if (len == 0) return 0;
            if (size == 0) {
                if (writers == 0) return 0;
                if ((flags & O_NONBLOCK) != 0) throw new SysError(EAGAIN);
                throw new WouldBlockForever("read from an empty pipe whose write end is still open");
            }
            int n = Math.min(len, size);
            for (int i = 0; i < n; i++) b[off + i] = buf[(head + i) % CAPACITY];
            head = (head + n) % CAPACITY;
            size -= n;
            return n;
        }

        @Override public int write(byte[] b, int off, int len) {
            if (!writeEnd && !both) throw new SysError(EBADF);
            if (readers == 0) throw new BrokenPipe();
            int space = CAPACITY - size;
            if ((flags & O_NONBLOCK) != 0) {
                if (space == 0 || (len <= PIPE_BUF && len > space)) throw new SysError(EAGAIN);
            } else if (space == 0 || (len > space && len <= PIPE_BUF)) {
                // a write of up to PIPE_BUF bytes is atomic: it waits for room for all of it; a larger one
                // writes what fits (the caller waits and writes the rest)
                throw new WouldBlockForever("write of " + len + " bytes to a pipe with room for " + space);
            }
            int n = Math.min(len, space);
            for (int i = 0; i < n; i++) buf[(head + size + i) % CAPACITY] = b[off + i];
            size += n;
            return n;
        }

        @Override public Stat stat(Vfs vfs) {
            return new Stat(Stat.makedev(0, 13), ino, Stat.S_IFIFO | 0600, 1, (int) Ids.uid(), (int) Ids.gid(), 0, 0, 4096, 0,
                    created, 0, created, 0, created, 0, 0, 0, false);
        }

        @Override protected void release() {
            if (writeEnd || both) writers--;
            if (!writeEnd || both) readers--;
        }
    }
}
