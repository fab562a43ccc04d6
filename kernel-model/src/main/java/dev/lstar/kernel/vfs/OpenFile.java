package dev.lstar.kernel.vfs;

import dev.lstar.kernel.Ids;

import static dev.lstar.kernel.Errno.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * An open file description (struct file): what file descriptors point to, shared by dup'ed
 * descriptors (one offset, one set of status flags). The operations throw {@link SysError}.
 */
public abstract class OpenFile {
    // include/uapi/asm-generic/fcntl.h
    public static final int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_DSYNC = 010000, FASYNC = 020000,
            O_DIRECT = 040000, O_LARGEFILE = 0100000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000, O_NOATIME = 01000000,
            O_CLOEXEC = 02000000, __O_SYNC = 04000000, O_PATH = 010000000, __O_TMPFILE = 020000000;
    public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

    /** f_flags: the access mode and the status flags (O_APPEND, O_NONBLOCK, ...). */
    public int flags;
    /** How many descriptors point here. */
    int refs;
    /** The guest path it was opened by (for fchdir, openat's dirfd, strace), or a pseudo name. */
    public final String guestPath;

    protected OpenFile(int flags, String guestPath) {
        this.flags = flags;
        this.guestPath = guestPath;
    }

    /** FMODE_READ: O_RDONLY or O_RDWR, not O_PATH. */
    public boolean readable() {
        int acc = flags & O_ACCMODE;
        return (flags & O_PATH) == 0 && (acc == O_RDONLY || acc == O_RDWR);
    }

    /** FMODE_WRITE. */
    public boolean writable() {
        int acc = flags & O_ACCMODE;
        return (flags & O_PATH) == 0 && (acc == O_WRONLY || acc == O_RDWR);
    }

    public boolean isDirectory() { return false; }
    public boolean isPipe() { return false; }
    public boolean isRegular() { return false; }
    /** /dev/zero: mmap of it is anonymous memory (drivers/char/mem.c mmap_zero). */
    public boolean isDevZero() { return false; }
    /** The host file behind it, if any. */
    public Path host() { return null; }

    public int read(byte[] b, int off, int len) { throw new SysError(EINVAL); }
    public int write(byte[] b, int off, int len) { throw new SysError(EINVAL); }
    public int pread(byte[] b, int off, int len, long pos) { throw new SysError(ESPIPE); }
    public int pwrite(byte[] b, int off, int len, long pos) { throw new SysError(ESPIPE); }
    public long seek(long offset, int whence) { throw new SysError(ESPIPE); }
    public void truncate(long length) { throw new SysError(EINVAL); }
    public void sync() { throw new SysError(EINVAL); }
    public abstract Stat stat(Vfs vfs);
    /** The last descriptor was closed. */
    protected void release() {}

    /** A reference that is not a descriptor (a file mapping's vm_file): the description stays open until {@link #unhold}. */
    public void hold() { refs++; }

    /** Drops a {@link #hold} reference; the last reference releases the description. */
    public void unhold() {
        if (--refs == 0) release();
    }

    // include/uapi/asm-generic/poll.h (x86-64: mangle_poll/demangle_poll are the identity)
    public static final int POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
            POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLMSG = 0x400, POLLRDHUP = 0x2000;
    /** DEFAULT_POLLMASK: what a file without a ->poll (regular files, directories, /dev/null...) always reports. */
    public static final int DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

    /** vfs_poll: the readiness mask now. */
    public int pollMask() { return DEFAULT_POLLMASK; }

    /**
     * Whether {@link #pollMask} can change while this single-threaded process sleeps (a stream
     * from the host, read by another process); the poll family then re-checks it periodically.
     */
    public boolean pollChangesByItself() { return false; }

    /** What readlink of /proc/PID/fd/N says for it: the guest path or pseudo name. */
    public String linkName() { return guestPath; }

    /** The host descriptor behind this file (the JVM's stdin/stdout/stderr, a host terminal), or -1. */
    public int hostFd() { return -1; }

    /**
     * read(2) of a host descriptor without ever blocking in the host: poll(2) says whether input
     * is there, and only then read(2) takes at most {@code len} bytes (never more than the guest
     * asked for, so the rest stays for the next reader). Nothing there: EAGAIN under O_NONBLOCK,
     * else {@link SysError#WAIT_HOST} — the caller sleeps a little (other tasks run, a signal
     * interrupts) and tries again.
     */
    static int hostRead(int fd, int flags, byte[] b, int off, int len) {
        if (len == 0) return 0;
        int ev = HostIo.poll(fd, POLLIN);
        if (ev < 0) throw new SysError(-ev);
        if (ev == 0) {
            if ((flags & O_NONBLOCK) != 0) throw new SysError(EAGAIN);
            throw SysError.WAIT_HOST;
        }
        int n = HostIo.read(fd, b, off, len);
        if (n == -EAGAIN && (flags & O_NONBLOCK) == 0) throw SysError.WAIT_HOST; // another reader took the input first
        if (n < 0) throw new SysError(-n);
        return n;
    }

    /** The host's own poll(2) answer for a host descriptor (POLLERR if it cannot be asked). */
    static int hostPollMask(int fd) {
        int ev = HostIo.poll(fd, HostIo.ALL_EVENTS);
        return ev < 0 ? POLLERR : ev;
    }

    /** Whether a descriptor or a mapping still refers to this description. */
    public boolean referenced() { return refs > 0; }

    /** The file position (f_pos, as /proc/PID/fdinfo shows it): 0 for files without one. */
    public long position() { return 0; }

    /** The file's current size (regular files; others have none). */
    public long sizeNow() { throw new SysError(EINVAL); }

    /** Writes at {@code pos} whatever O_APPEND says (a shared mapping's page write-back). */
    public int pwriteAt(byte[] b, int off, int len, long pos) { throw new SysError(EINVAL); }

    /** Releases a description that never got a descriptor (the install failed). */
    public void refsZeroRelease() {
        if (refs == 0) release();
    }

    // ------------------------------------------------------------------ regular files

    /** A regular file of the NIO file system, through a {@link FileChannel}. */
    public static final class RegularFile extends OpenFile {
        final FileChannel ch;
        final Path host;
        private Stat lastStat;

        /**
         * A description opened again through /proc/PID/fd/N of a nameless file: it shares the
         * channel (one inode) but keeps its own offset here; null for a description with the
         * channel's own position. {@code sharers} counts the descriptions on the channel.
         */
        private final long[] ownPos;
        private final int[] sharers;

        public RegularFile(FileChannel ch, Path host, String guestPath, int flags) {
            super(flags, guestPath);
            this.ch = ch;
            this.host = host;
            this.ownPos = null;
            this.sharers = new int[] {1};
        }

        private RegularFile(RegularFile of, int flags) {
            super(flags, of.guestPath);
            this.ch = of.ch;
            this.host = of.host;
            this.ownPos = new long[1];
            this.sharers = of.sharers;
            sharers[0]++;
            this.lastStat = of.lastStat;
            this.anonymous = of.anonymous;
        }

        /**
         * open of /proc/PID/fd/N for a memfd: a new description of the same file (offset 0,
         * {@code flags} its own), as Linux opens the shmem inode again.
         */
        public RegularFile reopenAnonymous(int flags) {
            if (!anonymous) throw new SysError(EINVAL);
            return new RegularFile(this, flags);
        }

        @Override public boolean isRegular() { return true; }
        @Override public Path host() { return host; }

        @Override public long position() {
            if (ownPos != null) return ownPos[0];
            try {
                return ch.position();
            } catch (IOException e) {
                return 0;
            }
        }

        /** A file with no name anywhere (memfd). */
        public boolean isAnonymous() { return anonymous; }

        @Override public int read(byte[] b, int off, int len) {
            try {
                if (ownPos != null) {
                    int n = Math.max(ch.read(ByteBuffer.wrap(b, off, len), ownPos[0]), 0);
                    ownPos[0] += n;
                    return n;
                }
                int n = ch.read(ByteBuffer.wrap(b, off, len));
                return Math.max(n, 0);
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public int write(byte[] b, int off, int len) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                if (ownPos != null) {
                    long at = (flags & O_APPEND) != 0 ? ch.size() : ownPos[0];
                    while (buf.hasRemaining()) at += ch.write(buf, at);
                    ownPos[0] = at;
                    return len;
                }
                if ((flags & O_APPEND) != 0) ch.position(ch.size());
                while (buf.hasRemaining()) ch.write(buf);
                return len;
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public int pread(byte[] b, int off, int len, long pos) {
            try {
                int n = ch.read(ByteBuffer.wrap(b, off, len), pos);
                return Math.max(n, 0);
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        /** pwrite64; with O_APPEND Linux appends whatever the position says (BUGS in pwrite(2)). */
        @Override public int pwrite(byte[] b, int off, int len, long pos) {
            try {
                long at = (flags & O_APPEND) != 0 ? ch.size() : pos;
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) at += ch.write(buf, at);
                return len;
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public long sizeNow() {
            try {
                return ch.size();
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public int pwriteAt(byte[] b, int off, int len, long pos) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                long at = pos;
                while (buf.hasRemaining()) at += ch.write(buf, at);
                return len;
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        /** generic_file_llseek, with SEEK_DATA/SEEK_HOLE as for a file without holes. */
        @Override public long seek(long offset, int whence) {
            try {
                long size = ch.size(), pos = ownPos != null ? ownPos[0] : ch.position();
                long n = switch (whence) {
                    case SEEK_SET -> offset;
                    case SEEK_CUR -> pos + offset;
                    case SEEK_END -> size + offset;
                    case SEEK_DATA -> { if (offset < 0 || offset >= size) throw new SysError(ENXIO); yield offset; }
                    case SEEK_HOLE -> { if (offset < 0 || offset >= size) throw new SysError(ENXIO); yield size; }
                    default -> throw new SysError(EINVAL);
                };
                if (n < 0) throw new SysError(EINVAL);
                if (ownPos != null) ownPos[0] = n;
                else ch.position(n);
                return n;
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public void truncate(long length) {
            try {
                long size = ch.size();
                if (length < size) ch.truncate(length);
                else if (length > size) ch.write(ByteBuffer.wrap(new byte[1]), length - 1);
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        @Override public void sync() {
            try {
                ch.force(true);
            } catch (IOException e) {
                throw SysError.of(e);
            }
        }

        /** The file's attributes; after an unlink (the name is gone) the last ones seen, with nlink 0. */
        @Override public Stat stat(Vfs vfs) {
            if (anonymous) {
                Stat s = lastStat;
                long size = sizeNow();
                return new Stat(s.dev(), s.ino(), s.mode(), 0, s.uid(), s.gid(), s.rdev(), size, s.blksize(), (size + 4095) / 4096 * 8,
                        s.atimeSec(), s.atimeNsec(), s.mtimeSec(), s.mtimeNsec(), s.ctimeSec(), s.ctimeNsec(), s.btimeSec(), s.btimeNsec(), s.hasBtime());
            }
            try {
                Stat s = vfs.stat(host);
                if (lastStat == null || s.ino() == lastStat.ino()) {
                    lastStat = s;
                    return s;
                }
            } catch (SysError e) {
                if (lastStat == null) throw e;
            }
            Stat s = lastStat;
            long size;
            try {
                size = ch.size();
            } catch (IOException e) {
                size = s.size();
            }
            return new Stat(s.dev(), s.ino(), s.mode(), 0, s.uid(), s.gid(), s.rdev(), size, s.blksize(), (size + 4095) / 4096 * 8,
                    s.atimeSec(), s.atimeNsec(), s.mtimeSec(), s.mtimeNsec(), s.ctimeSec(), s.ctimeNsec(), s.btimeSec(), s.btimeNsec(), s.hasBtime());
        }

        /** Records the attributes right after open (so fstat after unlink still knows the file). */
        public void remember(Stat s) { lastStat = s; }

        private boolean anonymous;

        /**
         * A file with no name anywhere (memfd): fstat reports the attributes given here, with the
         * current size and no link (shmem_file_setup's inode is born unlinked).
         */
        public void anonymous(Stat s) {
            lastStat = s;
            anonymous = true;
        }

        /** fchmod of a nameless file: its inode is lstar's, so only the reported mode changes. False for a named file. */
        public boolean chmodAnonymous(int mode) {
            if (!anonymous) return false;
            Stat s = lastStat;
            lastStat = new Stat(s.dev(), s.ino(), (s.mode() & Stat.S_IFMT) | (mode & 07777), 0, s.uid(), s.gid(), s.rdev(), s.size(),
                    s.blksize(), s.blocks(), s.atimeSec(), s.atimeNsec(), s.mtimeSec(), s.mtimeNsec(), s.ctimeSec(), s.ctimeNsec(),
                    s.btimeSec(), s.btimeNsec(), s.hasBtime());
            return true;
        }

        @Override protected void release() {
            if (--sharers[0] > 0) return; // another description still uses the channel
            try {
                ch.close();
            } catch (IOException ignored) {
                // close errors are not reported by close(2) for files lstar only reads and writes through the channel
            }
        }
    }

    /** An O_PATH descriptor: only fstat, fchdir, openat's dirfd and close work. */
    public static final class PathFile extends OpenFile {
        final Vfs.Lookup l;

        public PathFile(Vfs.Lookup l, int flags) {
            super(flags, l.guest());
            this.l = l;
        }

        @Override public boolean isDirectory() { return l.isDir(); }
        @Override public Path host() { return l.host(); }
        @Override public int read(byte[] b, int off, int len) { throw new SysError(EBADF); }
        @Override public int write(byte[] b, int off, int len) { throw new SysError(EBADF); }
        @Override public long seek(long offset, int whence) { throw new SysError(EBADF); }
        @Override public Stat stat(Vfs vfs) { return vfs.stat(l); }
    }

    // ------------------------------------------------------------------ the standard streams

    /** The embedder's stdin, stdout or stderr: a stream, like the pipe a test harness gives a native process. */
    public static final class StreamFile extends OpenFile {
        final InputStream in;
        final PrintStream out;
        final int id;
        private boolean eof;

        public StreamFile(InputStream in, PrintStream out, int id) {
            this(in, out, id, in != null ? O_RDONLY : O_WRONLY);
        }

        StreamFile(InputStream in, PrintStream out, int id, int flags) {
            super(flags, "pipe:[" + (4000 + id) + "]");
            this.in = in;
            this.out = out;
            this.id = id;
            this.hostFd = id == 0 && in == System.in ? 0 : id == 1 && out == System.out ? 1 : id == 2 && out == System.err ? 2 : -1;
        }

        /**
         * The host descriptor behind this stream when it is the JVM's own System.in, System.out or
         * System.err (then fd 0, 1, 2), else -1 (an embedder's stream: never a terminal).
         */
        public final int hostFd;

        /** Whether reads go to the host's fd 0 directly ({@link HostIo}): the JVM's own stdin with native access. */
        private boolean nativeIn() { return hostFd == 0 && in != null && HostIo.available(); }

        @Override public int hostFd() { return hostFd; }

        private String hostLink;

        /**
         * For the JVM's own stdin/stdout/stderr, what the host's /proc/self/fd/N says ("/dev/pts/0",
         * "pipe:[123]", a redirected file's path), as the same program run natively would read;
         * else the stream's pipe name.
         */
        @Override public String linkName() {
            if (hostFd < 0) return guestPath;
            if (hostLink == null) {
                try {
                    hostLink = java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/fd/" + hostFd)).toString();
                } catch (IOException | UnsupportedOperationException | SecurityException e) {
                    hostLink = guestPath;
                }
            }
            return hostLink;
        }

        @Override public int read(byte[] b, int off, int len) {
            if (in == null) throw new SysError(EBADF);
            if (nativeIn()) return hostRead(0, flags, b, off, len);
            try {
                int n = in.read(b, off, len);
                if (n < 0) eof = true;
                return Math.max(n, 0);
            } catch (IOException e) {
                throw new SysError(EIO);
            }
        }

        /** The host descriptor of the JVM's own stdout/stderr, unbuffered (made at the first write). */
        private java.io.FileOutputStream hostOut;

        /**
         * The JVM's own stdout/stderr are written through an unbuffered stream on the host
         * descriptor, so a reader that went away is EPIPE and SIGPIPE for the guest, as natively
         * (a PrintStream would swallow the error and the guest would write on forever: `lstar run
         * yes | head` never ended); what Java wrote to the stream before is flushed first to keep
         * the order. (Not through FFM: a downcall here made every later system call round trip of
         * the run ~20 % slower — the JVM's code for the MMU's array views got worse once the
         * foreign-memory classes were in use.) An embedder's stream that reports an error
         * ({@link PrintStream#checkError}) is a broken pipe too.
         */
        @Override public int write(byte[] b, int off, int len) {
            if (out == null) throw new SysError(EBADF);
            if (hostFd > 0) {
                if (len == 0) return 0; // pipe_write: nothing to do, not even EPIPE
                out.flush();
                if (hostOut == null) hostOut = new java.io.FileOutputStream(hostFd == 1 ? java.io.FileDescriptor.out : java.io.FileDescriptor.err);
                try {
                    hostOut.write(b, off, len);
                    return len;
                } catch (IOException e) {
                    String m = String.valueOf(e.getMessage());
                    if (m.contains("Broken pipe")) throw new Pipe.BrokenPipe();
                    throw new SysError(m.contains("No space") ? ENOSPC : EIO);
                }
            }
            out.write(b, off, len);
            if (out.checkError()) throw new Pipe.BrokenPipe();
            return len;
        }

        @Override public void sync() { throw new SysError(EINVAL); }

        /** A new description of the same stream in the direction {@code flags} ask for, or null if this stream has none. */
        public StreamFile reopen(int flags) {
            int acc = flags & O_ACCMODE;
            if (acc == O_RDONLY && in != null) return new StreamFile(in, null, id, flags);
            if (acc == O_WRONLY && out != null) return new StreamFile(null, out, id, flags);
            return null;
        }

        /**
         * Output streams are always writable. An input stream is readable when {@code available()}
         * says bytes are waiting, when a read already met its end, or when it is a
         * {@link java.io.ByteArrayInputStream} (whose 0 means the end). For any other stream (the
         * host's stdin: a terminal or a pipe) Java cannot tell "no data yet" from "end of file"
         * without reading, so 0 bytes available counts as not ready and poll re-checks it.
         */
        @Override public int pollMask() {
            if (in == null) return POLLOUT | POLLWRNORM;
            if (nativeIn()) return hostPollMask(0);
            try {
                if (eof || in.available() > 0 || in instanceof java.io.ByteArrayInputStream) return POLLIN | POLLRDNORM;
            } catch (IOException e) {
                return POLLERR;
            }
            return 0;
        }

        @Override public boolean pollChangesByItself() {
            return in != null && (nativeIn() || !eof && !(in instanceof java.io.ByteArrayInputStream));
        }

        /** The host file's own attributes for the JVM's stdin/stdout/stderr (a terminal, a pipe, a file); else a pipe's. */
        @Override public Stat stat(Vfs vfs) {
            Stat host = hostFd >= 0 ? HostIo.fstat(hostFd) : null;
            if (host != null) return host;
            long now = System.currentTimeMillis() / 1000;
            return new Stat(Stat.makedev(0, 14), 4000 + id, Stat.S_IFIFO | 0600, 1, (int) Ids.uid(), (int) Ids.gid(), 0, 0, 4096, 0,
                    now, 0, now, 0, now, 0, 0, 0, false);
        }

        public void flush() {
            if (out != null) out.flush();
        }
    }

    // ------------------------------------------------------------------ the host's terminal

    /**
     * /dev/tty: the controlling terminal of lstar itself, opened on the host (open(2) through
     * {@link HostIo}; ENXIO where lstar has none, as Linux says). Reads wait as for the host's
     * stdin (poll first, never read ahead); writes, fstat and the terminal ioctls go to the host
     * descriptor, which the last close closes.
     */
    public static final class HostTerminal extends OpenFile {
        private final int fd;

        public HostTerminal(int hostFd, int flags, String guestPath) {
            super(flags, guestPath);
            this.fd = hostFd;
        }

        /** open(2) of the host's /dev/tty with the guest's access mode (and O_NONBLOCK); throws ENXIO etc. */
        public static HostTerminal open(String hostPath, int flags, String guestPath) {
            if (!HostIo.available()) throw new SysError(ENXIO);
            int r = HostIo.open(hostPath, (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC, 0);
            if (r < 0) throw new SysError(-r);
            return new HostTerminal(r, flags, guestPath);
        }

        @Override public int hostFd() { return fd; }
        @Override public int read(byte[] b, int off, int len) { return hostRead(fd, flags, b, off, len); }

        @Override public int write(byte[] b, int off, int len) {
            int n = HostIo.write(fd, b, off, len);
            if (n < 0) throw new SysError(-n);
            return n;
        }

        @Override public int pollMask() { return hostPollMask(fd); }
        @Override public boolean pollChangesByItself() { return true; }

        @Override public Stat stat(Vfs vfs) {
            Stat s = HostIo.fstat(fd);
            if (s == null) throw new SysError(EIO);
            return s;
        }

        @Override protected void release() { HostIo.close(fd); }
    }

    // ------------------------------------------------------------------ generated /proc files

    /** A /proc file: bytes made when it was opened (seq_file's snapshot), read and seeked like a file. */
    public static final class ContentFile extends OpenFile {
        final byte[] content;
        final Vfs.Special kind;
        long pos;

        public ContentFile(Vfs.Special kind, byte[] content, int flags, String guestPath) {
            super(flags, guestPath);
            this.kind = kind;
            this.content = content;
        }

        @Override public int read(byte[] b, int off, int len) {
            int n = pread(b, off, len, pos);
            pos += n;
            return n;
        }

        @Override public int pread(byte[] b, int off, int len, long at) {
            if (at < 0) throw new SysError(EINVAL);
            if (at >= content.length) return 0;
            int n = (int) Math.min(len, content.length - at);
            System.arraycopy(content, (int) at, b, off, n);
            return n;
        }

        /** For /proc/PID/comm opened for writing: the process or thread whose name a write sets. */
        public Vfs.Proc commWriter;

        @Override public int write(byte[] b, int off, int len) {
            if (commWriter == null) throw new SysError(EBADF);
            return commWriter.writeComm(b, off, len);
        }

        @Override public long position() { return pos; }

        @Override public long seek(long offset, int whence) {
            long n = switch (whence) {
                case SEEK_SET -> offset;
                case SEEK_CUR -> pos + offset;
                default -> throw new SysError(EINVAL); // seq_lseek: SEEK_SET and SEEK_CUR only
            };
            if (n < 0) throw new SysError(EINVAL);
            return pos = n;
        }

        @Override public Stat stat(Vfs vfs) {
            return kind == Vfs.Special.PROC_FDINFO ? vfs.fdEntryStat(kind, guestPath)
                    : kind == Vfs.Special.PROC_SYSTEM ? vfs.systemStat(guestPath) : vfs.specialStat(kind);
        }
    }

    // ------------------------------------------------------------------ /dev/null, /dev/zero, /dev/urandom

    /** drivers/char/mem.c's null and zero, and drivers/char/random.c's urandom (from the getrandom source). */
    public static final class DeviceFile extends OpenFile {
        final Vfs.Special kind;
        final java.util.Random random;

        public DeviceFile(Vfs.Special kind, java.util.Random random, int flags, String guestPath) {
            super(flags, guestPath);
            this.kind = kind;
            this.random = random;
        }

        @Override public int read(byte[] b, int off, int len) {
            switch (kind) {
                case DEV_NULL -> { return 0; }
                case DEV_ZERO -> { java.util.Arrays.fill(b, off, off + len, (byte) 0); return len; }
                default -> {
                    byte[] r = new byte[len];
                    random.nextBytes(r);
                    System.arraycopy(r, 0, b, off, len);
                    return len;
                }
            }
        }

        @Override public boolean isDevZero() { return kind == Vfs.Special.DEV_ZERO; }
        @Override public int write(byte[] b, int off, int len) { return len; }
        @Override public int pread(byte[] b, int off, int len, long pos) { return read(b, off, len); }
        @Override public int pwrite(byte[] b, int off, int len, long pos) { return len; }
        /** null_lseek / memory_lseek for these: the offset is reset to 0. */
        @Override public long seek(long offset, int whence) { return 0; }
        @Override public Stat stat(Vfs vfs) { return vfs.specialStat(kind); }
    }
}
