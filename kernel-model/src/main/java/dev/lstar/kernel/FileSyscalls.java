package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static dev.lstar.kernel.vfs.OpenFile.*;

import dev.lstar.kernel.vfs.DirectoryFile;
import dev.lstar.kernel.vfs.FdTable;
import dev.lstar.kernel.vfs.OpenFile;
import dev.lstar.kernel.vfs.Pipe;
import dev.lstar.kernel.vfs.Stat;
import dev.lstar.kernel.vfs.SysError;
import dev.lstar.kernel.vfs.Vfs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The file system calls (fs/open.c, read_write.c, stat.c, readdir.c, namei.c, fcntl.c, ioctl.c,
 * pipe.c of Linux 6.6) over the process's {@link FdTable} and the kernel's {@link Vfs}: the same
 * argument checks, in the same order, and errno values. Errors inside are {@link SysError}s,
 * turned into -errno by {@link #guard}.
 */
final class FileSyscalls {
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200,
            AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000, AT_STATX_SYNC_TYPE = 0x6000;
    static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    static final int F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7,
            F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38, F_DUPFD_CLOEXEC = 1030, F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;
    static final int SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;
    /** The kernel's struct termios: four tcflag_t, c_line, c_cc[NCCS = 19]. */
    static final int TERMIOS_SIZE = 36, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCSWINSZ = 0x5414;
    static final int TCGETS = 0x5401, TIOCGWINSZ = 0x5413, FIONREAD = 0x541B, FIONBIO = 0x5421, FIONCLEX = 0x5450, FIOCLEX = 0x5451;
    static final int CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
    static final int CHUNK = 1 << 16;
    /**
     * The bounce buffer of read/write/pread/pwrite (one process, one thread: the calls never
     * overlap), so that a 4 KiB transfer allocates nothing; FileIoBench showed a fresh array per
     * call to be nearly all of the kernel model's allocation.
     */
    private final byte[] ioBuffer = new byte[CHUNK];

    private final LinuxKernel k;

    FileSyscalls(LinuxKernel k) {
        this.k = k;
    }

    private AddressSpace mm() { return k.process.mm; }
    private FdTable fds() { return k.fds(); }
    private Vfs vfs() { return k.vfs(); }
    private long nofile() { return k.limits.soft(ResourceLimits.RLIMIT_NOFILE); }

    void register(SyscallTable t) {
        t.x64(0, "read", "dpu", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a, () -> read((int) a, b, c))));
        t.x64(1, "write", "dpu", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> write((int) a, b, c))));
        t.x64(2, "open", "sOo", (a, b, c, d, e, f) -> guard(() -> openat(AT_FDCWD, a, (int) b, (int) c)));
        t.x64(3, "close", "d", (a, b, c, d, e, f) -> guard(() -> { fds().close((int) a); return 0; }));
        t.x64(4, "stat", "sp", (a, b, c, d, e, f) -> guard(() -> fstatat(AT_FDCWD, a, b, 0)));
        t.x64(5, "fstat", "dp", (a, b, c, d, e, f) -> guard(() -> fstat((int) a, b)));
        t.x64(6, "lstat", "sp", (a, b, c, d, e, f) -> guard(() -> fstatat(AT_FDCWD, a, b, AT_SYMLINK_NOFOLLOW)));
        t.x64(8, "lseek", "dnw", (a, b, c, d, e, f) -> guard(() -> lseek((int) a, b, (int) c)));
        t.x64(16, "ioctl", "dIx", (a, b, c, d, e, f) -> guard(() -> ioctl((int) a, (int) b, c)));
        t.x64(17, "pread64", "dpun", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a, () -> pread((int) a, b, c, d))));
        t.x64(18, "pwrite64", "dpun", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> pwrite((int) a, b, c, d))));
        t.x64(19, "readv", "dpn", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a, () -> rwv((int) a, b, (int) c, false))));
        t.x64(20, "writev", "dpn", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> rwv((int) a, b, (int) c, true))));
        t.x64(21, "access", "sA", (a, b, c, d, e, f) -> guard(() -> faccessat(AT_FDCWD, a, (int) b, 0)));
        t.x64(22, "pipe", "p", (a, b, c, d, e, f) -> guard(() -> pipe2(a, 0)));
        t.x64(32, "dup", "d", (a, b, c, d, e, f) -> guard(() -> dup((int) a)));
        t.x64(33, "dup2", "dd", (a, b, c, d, e, f) -> guard(() -> dup2((int) a, (int) b)));
        t.x64(40, "sendfile", "ddpu", (a, b, c, d, e, f) -> guard(() -> writeCoherent(-1, () -> sendfile((int) a, (int) b, c, d))));
        t.x64(72, "fcntl", "dFf", (a, b, c, d, e, f) -> guard(() -> fcntl((int) a, (int) b, c)));
        // lstar models no sockets, so no descriptor is one: the socket calls that take a descriptor say so
        // (sockfd_lookup: EBADF for a closed descriptor, else ENOTSOCK), as bash's getpeername(0) on its stdin expects
        t.x64(51, "getsockname", "dpp", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a); return -ENOTSOCK; }));
        t.x64(52, "getpeername", "dpp", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a); return -ENOTSOCK; }));
        t.x64(74, "fsync", "d", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a).sync(); return 0; }));
        t.x64(75, "fdatasync", "d", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a).sync(); return 0; }));
        t.x64(76, "truncate", "sn", (a, b, c, d, e, f) -> guard(() -> writeCoherent(-1, () -> truncate(a, b))));
        t.x64(77, "ftruncate", "dn", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> ftruncate((int) a, b))));
        t.x64(79, "getcwd", "pu", (a, b, c, d, e, f) -> guard(() -> getcwd(a, b)));
        t.x64(80, "chdir", "s", (a, b, c, d, e, f) -> guard(() -> chdir(a)));
        t.x64(81, "fchdir", "d", (a, b, c, d, e, f) -> guard(() -> fchdir((int) a)));
        t.x64(82, "rename", "ss", (a, b, c, d, e, f) -> guard(() -> renameat2(AT_FDCWD, a, AT_FDCWD, b, 0)));
        t.x64(83, "mkdir", "so", (a, b, c, d, e, f) -> guard(() -> mkdirat(AT_FDCWD, a, (int) b)));
        t.x64(84, "rmdir", "s", (a, b, c, d, e, f) -> guard(() -> unlinkat(AT_FDCWD, a, AT_REMOVEDIR)));
        t.x64(85, "creat", "so", (a, b, c, d, e, f) -> guard(() -> openat(AT_FDCWD, a, O_CREAT | O_WRONLY | O_TRUNC, (int) b)));
        t.x64(86, "link", "ss", (a, b, c, d, e, f) -> guard(() -> linkat(AT_FDCWD, a, AT_FDCWD, b, 0)));
        t.x64(87, "unlink", "s", (a, b, c, d, e, f) -> guard(() -> unlinkat(AT_FDCWD, a, 0)));
        t.x64(88, "symlink", "ss", (a, b, c, d, e, f) -> guard(() -> symlinkat(a, AT_FDCWD, b)));
        t.x64(89, "readlink", "spn", (a, b, c, d, e, f) -> guard(() -> readlinkat(AT_FDCWD, a, b, (int) c)));
        t.x64(90, "chmod", "so", (a, b, c, d, e, f) -> guard(() -> fchmodat(AT_FDCWD, a, (int) b)));
        t.x64(91, "fchmod", "do", (a, b, c, d, e, f) -> guard(() -> fchmod((int) a, (int) b)));
        t.x64(95, "umask", "o", (a, b, c, d, e, f) -> { int old = vfs().umask; vfs().umask = (int) a & 0777; return old; });
        // extended attributes are not modelled: the file system answers as one without xattr support
        t.x64(188, "setxattr", "ssppn", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, true)));
        t.x64(189, "lsetxattr", "ssppn", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, false)));
        t.x64(190, "fsetxattr", "dsppn", (a, b, c, d, e, f) -> guard(() -> xattrFd((int) a)));
        t.x64(191, "getxattr", "sspu", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, true)));
        t.x64(192, "lgetxattr", "sspu", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, false)));
        t.x64(193, "fgetxattr", "dspu", (a, b, c, d, e, f) -> guard(() -> xattrFd((int) a)));
        t.x64(194, "listxattr", "spu", (a, b, c, d, e, f) -> guard(() -> { xattrLookup(a, true); return 0; }));
        t.x64(195, "llistxattr", "spu", (a, b, c, d, e, f) -> guard(() -> { xattrLookup(a, false); return 0; }));
        t.x64(196, "flistxattr", "dpu", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a); return 0; }));
        t.x64(197, "removexattr", "ss", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, true)));
        t.x64(198, "lremovexattr", "ss", (a, b, c, d, e, f) -> guard(() -> xattrPath(a, false)));
        t.x64(199, "fremovexattr", "ds", (a, b, c, d, e, f) -> guard(() -> xattrFd((int) a)));
        t.x64(137, "statfs", "sp", (a, b, c, d, e, f) -> guard(() -> statfs(a, b)));
        t.x64(138, "fstatfs", "dp", (a, b, c, d, e, f) -> guard(() -> fstatfs((int) a, b)));
        t.x64(221, "fadvise64", "dnnv", (a, b, c, d, e, f) -> guard(() -> fadvise64((int) a, b, c, (int) d)));
        t.x64(217, "getdents64", "dpu", (a, b, c, d, e, f) -> guard(() -> getdents64((int) a, b, c)));
        t.x64(257, "openat", "dsOo", (a, b, c, d, e, f) -> guard(() -> openat((int) a, b, (int) c, (int) d)));
        t.x64(258, "mkdirat", "dso", (a, b, c, d, e, f) -> guard(() -> mkdirat((int) a, b, (int) c)));
        t.x64(262, "newfstatat", "dspa", (a, b, c, d, e, f) -> guard(() -> fstatat((int) a, b, c, (int) d)));
        t.x64(263, "unlinkat", "dsa", (a, b, c, d, e, f) -> guard(() -> unlinkat((int) a, b, (int) c)));
        t.x64(264, "renameat", "dsds", (a, b, c, d, e, f) -> guard(() -> renameat2((int) a, b, (int) c, d, 0)));
        t.x64(265, "linkat", "dsdsa", (a, b, c, d, e, f) -> guard(() -> linkat((int) a, b, (int) c, d, (int) e)));
        t.x64(266, "symlinkat", "sds", (a, b, c, d, e, f) -> guard(() -> symlinkat(a, (int) b, c)));
        t.x64(267, "readlinkat", "dspn", (a, b, c, d, e, f) -> guard(() -> readlinkat((int) a, b, c, (int) d)));
        t.x64(268, "fchmodat", "dso", (a, b, c, d, e, f) -> guard(() -> fchmodat((int) a, b, (int) c)));
        t.x64(269, "faccessat", "dsA", (a, b, c, d, e, f) -> guard(() -> faccessat((int) a, b, (int) c, 0)));
        t.x64(280, "utimensat", "dspa", (a, b, c, d, e, f) -> guard(() -> utimensat((int) a, b, c, (int) d)));
        t.x64(292, "dup3", "ddc", (a, b, c, d, e, f) -> guard(() -> dup3((int) a, (int) b, (int) c)));
        t.x64(293, "pipe2", "pc", (a, b, c, d, e, f) -> guard(() -> pipe2(a, (int) b)));
        t.x64(316, "renameat2", "dsdsN", (a, b, c, d, e, f) -> guard(() -> renameat2((int) a, b, (int) c, d, (int) e)));
        t.x64(332, "statx", "dsTmp", (a, b, c, d, e, f) -> guard(() -> statx((int) a, b, (int) c, (int) d, e)));
        t.x64(436, "close_range", "uuQ", (a, b, c, d, e, f) -> guard(() -> closeRange(a & 0xFFFF_FFFFL, b & 0xFFFF_FFFFL, (int) c)));
        t.x64(92, "chown", "snn", (a, b, c, d, e, f) -> guard(() -> fchownat(AT_FDCWD, a, (int) b, (int) c, 0)));
        t.x64(93, "fchown", "dnn", (a, b, c, d, e, f) -> guard(() -> fchown((int) a, (int) b, (int) c)));
        t.x64(94, "lchown", "snn", (a, b, c, d, e, f) -> guard(() -> fchownat(AT_FDCWD, a, (int) b, (int) c, AT_SYMLINK_NOFOLLOW)));
        t.x64(260, "fchownat", "dsnna", (a, b, c, d, e, f) -> guard(() -> fchownat((int) a, b, (int) c, (int) d, (int) e)));
        t.x64(162, "sync", "", (a, b, c, d, e, f) -> { syncAll(); return 0; });
        t.x64(306, "syncfs", "d", (a, b, c, d, e, f) -> guard(() -> { fds().get((int) a); syncAll(); return 0; }));
        t.x64(285, "fallocate", "dlnn", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> fallocate((int) a, (int) b, c, d))));
        t.x64(73, "flock", "dk", (a, b, c, d, e, f) -> guard(() -> flock(a & 0xFFFF_FFFFL, (int) b)));
        t.x64(326, "copy_file_range", "dpdpux", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a,
                () -> writeCoherent((int) c, () -> copyFileRange((int) a, b, (int) c, d, e, (int) f)))));
        t.x64(295, "preadv", "dpnnn", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a, () -> prwv((int) a, b, c, d, 0, false, false))));
        t.x64(296, "pwritev", "dpnnn", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> prwv((int) a, b, c, d, 0, true, false))));
        t.x64(327, "preadv2", "dpnnnx", (a, b, c, d, e, f) -> guard(() -> readCoherent((int) a, () -> prwv((int) a, b, c, d, (int) f, false, true))));
        t.x64(328, "pwritev2", "dpnnnx", (a, b, c, d, e, f) -> guard(() -> writeCoherent((int) a, () -> prwv((int) a, b, c, d, (int) f, true, true))));
        t.x64(437, "openat2", "dspu", (a, b, c, d, e, f) -> guard(() -> openat2((int) a, b, c, d)));
        t.x64(319, "memfd_create", "sD", (a, b, c, d, e, f) -> guard(() -> memfdCreate(a, (int) b)));
        t.x64(284, "eventfd", "u", (a, b, c, d, e, f) -> guard(() -> eventfd2(a & 0xFFFF_FFFFL, 0)));
        t.x64(290, "eventfd2", "uE", (a, b, c, d, e, f) -> guard(() -> eventfd2(a & 0xFFFF_FFFFL, (int) b)));
        t.x64(439, "faccessat2", "dsAe", (a, b, c, d, e, f) -> guard(() -> faccessat((int) a, b, (int) c, (int) d)));

        t.ia32(3, "read", 3, (a, b, c, d, e, f) -> guard(() -> read((int) a, b, c)));
        t.ia32(4, "write", 3, (a, b, c, d, e, f) -> guard(() -> write((int) a, b, c)));
        t.ia32(6, "close", 1, (a, b, c, d, e, f) -> guard(() -> { fds().close((int) a); return 0; }));
    }

    /**
     * Runs a call body: a {@link SysError} is its -errno. A blocking operation that cannot go on
     * now (an empty pipe, a full one, an eventfd, a lock) waits while other tasks run and is
     * retried after any descriptor operation, until a signal interrupts it (-ERESTARTSYS: EINTR,
     * or a restart under SA_RESTART). In a process that is the only task, only a signal could end
     * the wait: with a timer armed it waits for one, else the process is ended as the deadlock it is.
     */
    long guard(LongSupplier body) {
        while (true) {
            try {
                return body.getAsLong();
            } catch (SysError e) {
                if (e != SysError.WAIT_HOST) return -e.errno;
                // a host descriptor (the JVM's stdin, the host terminal) has no input yet: sleep a
                // slice (other tasks run; a signal ends it) and poll the host again
                k.signals.sleep(System.nanoTime() + PollSyscalls.STREAM_RECHECK_MS * 1_000_000L);
                if (k.signals.hasReady() || k.current.killed || k.exit != null) return -ERESTARTSYS;
            } catch (Pipe.BrokenPipe e) {
                // send_sig(SIGPIPE, current, 0): SI_USER from the process itself; the write fails with EPIPE
                k.signals.send(Signals.Info.sent(Signal.SIGPIPE.number, Signals.SI_USER, k.process.pid, Ids.uid(),
                        "(write to a pipe with no reader)"));
                return -EPIPE;
            } catch (Pipe.WouldBlockForever e) {
                if (k.liveTasks().size() > 1) {
                    if (waitForFiles(e)) continue;
                    return -ERESTARTSYS;
                }
                if (k.signalSyscalls.timerArmed()) {
                    k.signals.sleep(Long.MAX_VALUE);
                    return -ERESTARTSYS;
                }
                k.killProcess(ExitStatus.killed(Signal.SIGKILL, "deadlock: " + e.getMessage()
                        + " would block forever (no other task could change it and no timer is armed); stopped with SIGKILL"));
                return -EAGAIN;
            } finally {
                k.sched.wakeFiles();
            }
        }
    }

    /**
     * Sleeps the current task until some descriptor operation (or a signal) happens; true to
     * retry the operation, false when a signal (or a kill) ended the wait.
     */
    boolean waitForFiles(Pipe.WouldBlockForever e) {
        Task t = k.current;
        k.sched.wakeFiles(); // what this call did so far may be what another waits for
        k.sched.sleep(t, Scheduler.FILES, Long.MAX_VALUE, e.getMessage(), null, true);
        return !(t.signals.hasReady() || t.killed);
    }

    // ------------------------------------------------------------------ shared mappings and the file's bytes

    /**
     * A read through a descriptor sees the stores made through shared mappings (on Linux both are
     * the same page cache): their dirty pages are written back first. Free without shared mappings.
     */
    private long readCoherent(int fd, LongSupplier body) {
        java.nio.file.Path host = regularHost(fd);
        if (host != null) mm().syncSharedMappings(host);
        return body.getAsLong();
    }

    /**
     * A write through a descriptor ({@code fd}; -1: a path, any file) shows in the shared
     * mappings of its file afterwards. Writes to pipes and terminals cost nothing extra.
     */
    private long writeCoherent(int fd, LongSupplier body) {
        java.nio.file.Path host = fd == -1 ? null : regularHost(fd);
        if (fd != -1 && host == null) return body.getAsLong();
        AddressSpace mm = mm();
        mm.syncSharedMappings(host);
        try {
            return body.getAsLong();
        } finally {
            mm.reloadSharedMappings(host);
            if (host != null) k.pageCache.forget(host, k.frameRefs);
        }
    }

    /** The host file of descriptor {@code fd} if it is an open regular file, else null. */
    private java.nio.file.Path regularHost(int fd) {
        if (!fds().isOpen(fd)) return null;
        OpenFile f = fds().get(fd);
        return f.isRegular() ? f.host() : null;
    }

    // ------------------------------------------------------------------ user memory

    private boolean accessOk(long addr, long size) {
        long max = mm().taskSizeMax;
        return Long.compareUnsigned(size, max) <= 0 && Long.compareUnsigned(addr, max - size) <= 0;
    }

    /**
     * getname / strncpy_from_user: the NUL-terminated path at {@code addr}; EFAULT for a bad
     * pointer, ENAMETOOLONG without a NUL in PATH_MAX bytes, ENOENT if empty (unless allowed).
     */
    String path(long addr, boolean allowEmpty) {
        byte[] b = userString(addr, Vfs.PATH_MAX);
        if (b == null) throw new SysError(EFAULT);
        if (b.length == Vfs.PATH_MAX) throw new SysError(ENAMETOOLONG);
        if (b.length == 0 && !allowEmpty) throw new SysError(ENOENT);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Up to {@code max} bytes of the string at {@code addr} (without the NUL; {@code max} bytes if none), null on a fault. */
    byte[] userString(long addr, int max) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] page = new byte[4096];
        long a = addr;
        while (out.size() < max) {
            int n = (int) Math.min(4096 - (a & 0xFFF), max - out.size());
            if (!mm().copyFromUser(a, page, 0, n)) return null;
            for (int i = 0; i < n; i++) {
                if (page[i] == 0) { out.write(page, 0, i); return out.toByteArray(); }
            }
            out.write(page, 0, n);
            a += n;
        }
        return out.toByteArray();
    }

    private void copyOut(long addr, byte[] b) {
        if (!mm().copyToUser(addr, b, 0, b.length)) throw new SysError(EFAULT);
    }

    /** The directory a relative path starts from: the cwd for AT_FDCWD, else the directory {@code dfd} (EBADF, ENOTDIR). */
    String base(int dfd, String path) {
        if (path.startsWith("/")) return "/";
        if (dfd == AT_FDCWD) return vfs().cwd();
        OpenFile f = fds().get(dfd);
        if (!f.isDirectory()) throw new SysError(ENOTDIR);
        return f.guestPath;
    }

    // ------------------------------------------------------------------ read and write

    long read(int fd, long buf, long n) {
        OpenFile f = fds().get(fd);
        if (!f.readable()) throw new SysError(EBADF);
        if (!accessOk(buf, n)) return -EFAULT; // vfs_read: access_ok before rw_verify_area
        if (f.isDirectory()) throw new SysError(EISDIR);
        long count = Math.min(n, Syscalls.MAX_RW_COUNT), done = 0;
        byte[] b = ioBuffer;
        while (done < count) {
            int want = (int) Math.min(b.length, count - done);
            int got = f.read(b, 0, want);
            if (got <= 0) break;
            if (!mm().copyToUser(buf + done, b, 0, got)) return done > 0 ? done : -EFAULT;
            done += got;
            if (got < want || !f.isRegular()) break;
        }
        return done;
    }

    long write(int fd, long buf, long n) {
        OpenFile f = fds().get(fd);
        if (!f.writable()) throw new SysError(EBADF);
        if (!accessOk(buf, n)) return -EFAULT; // vfs_write: access_ok first, so a negative count is -EFAULT
        long count = Math.min(n, Syscalls.MAX_RW_COUNT), done = 0;
        byte[] b = ioBuffer;
        while (done < count) {
            int len = (int) Math.min(b.length, count - done);
            if (!mm().copyFromUser(buf + done, b, 0, len)) return done > 0 ? done : -EFAULT;
            int off = 0;
            while (off < len) {
                int w;
                try {
                    w = f.write(b, off, len - off);
                } catch (SysError e) {
                    if (done + off > 0) return done + off;
                    throw e;
                } catch (Pipe.WouldBlockForever e) {
                    // a pipe that is full: with other tasks, wait for a reader and go on (pipe_write blocks until all is written)
                    if (k.liveTasks().size() <= 1) throw e;
                    if (!waitForFiles(e)) return done + off > 0 ? done + off : -ERESTARTSYS;
                    // the I/O buffer served other tasks meanwhile: the rest of the chunk is copied in again
                    if (!mm().copyFromUser(buf + done + off, b, off, len - off)) return done + off;
                    continue;
                }
                off += w;
                if (!f.isPipe() && off < len) return done + off;
            }
            done += off;
        }
        return done;
    }

    long pread(int fd, long buf, long n, long pos) {
        if (pos < 0) throw new SysError(EINVAL);
        OpenFile f = fds().get(fd);
        if (!f.readable()) throw new SysError(EBADF);
        if (f.isPipe() || f instanceof OpenFile.StreamFile) throw new SysError(ESPIPE);
        if (!accessOk(buf, n)) return -EFAULT;
        if (f.isDirectory()) throw new SysError(EISDIR);
        long count = Math.min(n, Syscalls.MAX_RW_COUNT), done = 0;
        byte[] b = ioBuffer;
        while (done < count) {
            int want = (int) Math.min(b.length, count - done);
            int got = f.pread(b, 0, want, pos + done);
            if (got <= 0) break;
            if (!mm().copyToUser(buf + done, b, 0, got)) return done > 0 ? done : -EFAULT;
            done += got;
            if (got < want) break;
        }
        return done;
    }

    long pwrite(int fd, long buf, long n, long pos) {
        if (pos < 0) throw new SysError(EINVAL);
        OpenFile f = fds().get(fd);
        if (!f.writable()) throw new SysError(EBADF);
        if (f.isPipe() || f instanceof OpenFile.StreamFile) throw new SysError(ESPIPE);
        if (!accessOk(buf, n)) return -EFAULT;
        long count = Math.min(n, Syscalls.MAX_RW_COUNT), done = 0;
        byte[] b = ioBuffer;
        while (done < count) {
            int len = (int) Math.min(b.length, count - done);
            if (!mm().copyFromUser(buf + done, b, 0, len)) return done > 0 ? done : -EFAULT;
            done += f.pwrite(b, 0, len, pos + done);
        }
        return done;
    }

    /** readv/writev: the fd first, then import_iovec checks every segment (EINVAL, EFAULT) before any transfer. */
    long rwv(int fd, long iov, int cnt, boolean write) {
        OpenFile f = fds().get(fd);
        if (write ? !f.writable() : !f.readable()) throw new SysError(EBADF);
        if (cnt == 0) return 0;
        byte[] vec = importIovec(iov, cnt);
        return eachSegment(vec, (base, len, done) -> write ? write(fd, base, len) : read(fd, base, len));
    }

    /**
     * import_iovec: {@code cnt} struct iovec at {@code iov} (at most UIO_MAXIOV 1024: EINVAL), each
     * length non-negative and each range user memory (EFAULT), their sum at most MAX_RW_COUNT
     * (EINVAL) — all checked before any byte moves. The raw 16-byte records.
     */
    private byte[] importIovec(long iov, long cnt) {
        if (cnt < 0 || cnt > 1024) throw new SysError(EINVAL);
        byte[] vec = new byte[(int) cnt * 16];
        if (!mm().copyFromUser(iov, vec, 0, vec.length)) throw new SysError(EFAULT);
        long total = 0;
        for (int i = 0; i < cnt; i++) {
            long base = Syscalls.le64(vec, i * 16), len = Syscalls.le64(vec, i * 16 + 8);
            if (len < 0) throw new SysError(EINVAL);
            if (!accessOk(base, len)) throw new SysError(EFAULT);
            total += len;
            if (total < 0 || total > Syscalls.MAX_RW_COUNT) throw new SysError(EINVAL);
        }
        return vec;
    }

    /** One segment's transfer: bytes moved, or -errno. */
    @FunctionalInterface
    interface SegmentTransfer {
        long transfer(long base, long len, long doneBefore);
    }

    /**
     * The segments in order until one comes up short; an error after some bytes moved returns
     * the count so far (as do_loop_readv_writev does), an error before any is the call's result.
     */
    private static long eachSegment(byte[] vec, SegmentTransfer t) {
        long done = 0;
        for (int i = 0; i < vec.length / 16; i++) {
            long base = Syscalls.le64(vec, i * 16), len = Syscalls.le64(vec, i * 16 + 8);
            if (len == 0) continue;
            long r;
            try {
                r = t.transfer(base, len, done);
            } catch (SysError e) {
                if (done > 0) return done;
                throw e;
            }
            if (r < 0) return done > 0 ? done : r;
            done += r;
            if (r < len) break;
        }
        return done;
    }

    long lseek(int fd, long off, int whence) {
        OpenFile f = fds().get(fd);
        if (whence < 0 || whence > SEEK_HOLE) throw new SysError(EINVAL);
        return f.seek(off, whence);
    }

    long sendfile(int outFd, int inFd, long offPtr, long count) {
        OpenFile in = fds().get(inFd);
        if (!in.readable()) throw new SysError(EBADF);
        OpenFile out = fds().get(outFd);
        if (!out.writable()) throw new SysError(EBADF);
        long pos = -1;
        if (offPtr != 0) {
            byte[] b = new byte[8];
            if (!mm().copyFromUser(offPtr, b, 0, 8)) throw new SysError(EFAULT);
            pos = Syscalls.le64(b, 0);
            if (pos < 0) throw new SysError(EINVAL);
        }
        if (!(in.isRegular() || in instanceof OpenFile.DeviceFile)) throw new SysError(EINVAL);
        if ((out.flags & O_APPEND) != 0) throw new SysError(EINVAL);
        count = Math.min(count, Syscalls.MAX_RW_COUNT);
        long done = 0;
        byte[] b = new byte[(int) Math.min(Math.max(count, 1), CHUNK)];
        while (done < count) {
            int want = (int) Math.min(b.length, count - done);
            int got = pos >= 0 ? in.pread(b, 0, want, pos + done) : in.read(b, 0, want);
            if (got <= 0) break;
            int off = 0;
            while (off < got) off += out.write(b, off, got - off);
            done += got;
        }
        if (offPtr != 0 && !mm().putUser64(offPtr, pos + done)) throw new SysError(EFAULT);
        return done;
    }

    // ------------------------------------------------------------------ open

    long openat(int dfd, long pathp, int flags, int mode) {
        return openat(dfd, pathp, flags | O_LARGEFILE, mode, 0); // force_o_largefile on 64-bit
    }

    /** do_sys_openat2 for open/openat (resolve 0) and openat2 (its RESOLVE_* flags). */
    private long openat(int dfd, long pathp, int flags, int mode, int resolve) {
        // build_open_flags: since 6.4 O_DIRECTORY | O_CREAT is refused rather than creating a regular file
        if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT)) throw new SysError(EINVAL);
        // build_open_flags
        if ((flags & __O_TMPFILE) != 0) {
            if ((flags & (__O_TMPFILE | O_DIRECTORY | O_CREAT)) != (__O_TMPFILE | O_DIRECTORY)) throw new SysError(EINVAL);
            int acc = flags & O_ACCMODE;
            if (acc != O_WRONLY && acc != O_RDWR) throw new SysError(EINVAL);
        }
        if ((flags & O_PATH) != 0) flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC | O_LARGEFILE;
        String path = path(pathp, false);
        if (fds().size() >= nofile() && !hasFreeFd()) throw new SysError(EMFILE);
        boolean creat = (flags & O_CREAT) != 0 && (flags & __O_TMPFILE) == 0, excl = creat && (flags & O_EXCL) != 0;
        boolean follow = (flags & O_NOFOLLOW) == 0 && !excl;
        Vfs vfs = vfs();
        Vfs.Lookup l;
        if (resolve == 0) {
            l = vfs.lookup(base(dfd, path), path, follow);
        } else {
            String start = (resolve & (Vfs.RESOLVE_BENEATH | Vfs.RESOLVE_IN_ROOT)) != 0 ? base(dfd, "")
                    : path.startsWith("/") ? "/" : base(dfd, path);
            l = vfs.lookup(base(dfd, path), path, follow, true, resolve, start);
        }
        if ((flags & __O_TMPFILE) != 0) {
            if (!l.exists()) throw new SysError(ENOENT);
            if (!l.isDir()) throw new SysError(ENOTDIR);
            throw new SysError(EOPNOTSUPP); // no unnamed temporary files on a java.nio file system
        }
        boolean created = false;
        if (creat) {
            if (l.trailingSlash()) throw new SysError(EISDIR);
            if (l.exists()) {
                if (excl) throw new SysError(EEXIST);
                if (l.isDir()) throw new SysError(EISDIR);
            } else {
                if (l.special() != null) throw new SysError(ENOENT); // lstar's /proc: no new names (as proc_pid_lookup)
                try {
                    Files.createFile(l.host());
                } catch (IOException e) {
                    throw SysError.of(e);
                }
                created = true;
                l = vfs.lookup("/", l.guest(), false);
            }
        } else if (!l.exists()) {
            throw new SysError(ENOENT);
        }
        if (l.isSymlink()) {
            if ((flags & O_PATH) == 0) throw new SysError(ELOOP); // O_NOFOLLOW on a link
        }
        if ((flags & O_DIRECTORY) != 0 && !l.isDir()) throw new SysError(ENOTDIR);
        OpenFile f;
        int acc = flags & O_ACCMODE;
        int fileFlags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
        if ((flags & O_PATH) != 0) {
            f = new OpenFile.PathFile(l, fileFlags);
        } else if (l.isDir()) {
            if (acc == O_WRONLY || acc == O_RDWR) throw new SysError(EISDIR);
            f = new DirectoryFile(l, fileFlags);
        } else if (l.special() == Vfs.Special.PROC_FD_OBJECT) {
            f = reopen(vfs.openFile(l), fileFlags);
        } else if (l.special() != null && l.special().isProcFile()) {
            // only comm is writable (0644: the owner's; every guest process has the same credentials)
            boolean comm = l.special() == Vfs.Special.PROC_COMM;
            if (acc != O_RDONLY && !comm) throw new SysError(EACCES);
            OpenFile.ContentFile cf = new OpenFile.ContentFile(l.special(), vfs.procContent(l), fileFlags, l.guest());
            if (comm && acc != O_RDONLY) cf.commWriter = vfs.procFor(l);
            f = cf;
        } else if (l.special() != null) {
            f = new OpenFile.DeviceFile(l.special(), k.random, fileFlags, l.guest());
        } else if (l.isRegular()) {
            if (!vfs.mayAccess(l, (acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : acc == O_RDWR ? 6 : 0) | ((flags & O_TRUNC) != 0 ? 2 : 0)) && !created) {
                throw new SysError(EACCES);
            }
            Set<java.nio.file.OpenOption> opts = new java.util.HashSet<>();
            opts.add(java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (acc == O_RDONLY || acc == O_RDWR || acc == 3) opts.add(StandardOpenOption.READ);
            if (acc == O_WRONLY || acc == O_RDWR) opts.add(StandardOpenOption.WRITE);
            FileChannel ch;
            try {
                ch = FileChannel.open(l.host(), opts);
                if ((flags & O_TRUNC) != 0 && ch.size() > 0) {
                    if (opts.contains(StandardOpenOption.WRITE)) ch.truncate(0);
                    else try (FileChannel w = FileChannel.open(l.host(), StandardOpenOption.WRITE)) { w.truncate(0); }
                }
            } catch (IOException e) {
                throw SysError.of(e);
            }
            OpenFile.RegularFile r = new OpenFile.RegularFile(ch, l.host(), l.guest(), fileFlags);
            if (created) vfs.setMode(l.host(), mode & 07777 & ~vfs.umask);
            r.remember(vfs.stat(l.host()));
            f = r;
        } else if (l.host() != null && l.attrs() != null && l.attrs().isOther() && vfs.stat(l).rdev() == Stat.makedev(5, 0)) {
            // /dev/tty (5:0): lstar's own controlling terminal, opened on the host (ENXIO where it has none)
            f = OpenFile.HostTerminal.open(l.host().toString(), fileFlags, l.guest());
        } else {
            throw new SysError(ENXIO); // FIFOs, sockets and other host devices are not modelled yet
        }
        try {
            return fds().install(f, (flags & O_CLOEXEC) != 0, 0, nofile());
        } catch (SysError e) {
            f.refsZeroRelease();
            throw e;
        }
    }

    /**
     * open of /proc/PID/fd/N for a file with no path to walk: a new description of the same pipe
     * (either end, or both for O_RDWR, as fifo_open) or of the same embedder stream in its own
     * direction; a new description of a memfd (same channel, own offset); an eventfd (an anonymous
     * inode) is ENXIO as on Linux.
     */
    private OpenFile reopen(OpenFile f, int flags) {
        int acc = flags & O_ACCMODE;
        if (f instanceof Pipe.End p) return p.reopen(flags);
        if (f instanceof OpenFile.StreamFile s) {
            OpenFile r = s.reopen(flags);
            if (r == null) throw new SysError(ENXIO); // the other direction of a host stream lstar does not hold
            return r;
        }
        if (acc == 3) throw new SysError(EINVAL);
        if (f instanceof OpenFile.RegularFile r && r.isAnonymous()) return r.reopenAnonymous(flags);
        throw new SysError(ENXIO);
    }

    private boolean hasFreeFd() {
        for (int i = 0; i < nofile(); i++) if (!fds().isOpen(i)) return true;
        return false;
    }

    // ------------------------------------------------------------------ stat

    private Stat statOf(int dfd, long pathp, int flags) {
        String path = path(pathp, (flags & AT_EMPTY_PATH) != 0);
        if (path.isEmpty()) {
            if (dfd == AT_FDCWD) return vfs().stat(vfs().lookup("/", vfs().cwd(), true));
            return fds().get(dfd).stat(vfs());
        }
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, (flags & AT_SYMLINK_NOFOLLOW) == 0);
        if (!l.exists()) throw new SysError(ENOENT);
        return vfs().stat(l);
    }

    long fstatat(int dfd, long pathp, long buf, int flags) {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) != 0) throw new SysError(EINVAL);
        copyOut(buf, statOf(dfd, pathp, flags).toStat());
        return 0;
    }

    long fstat(int fd, long buf) {
        copyOut(buf, fds().get(fd).stat(vfs()).toStat());
        return 0;
    }

    long statx(int dfd, long pathp, int flags, int mask, long buf) {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) != 0) throw new SysError(EINVAL);
        if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) throw new SysError(EINVAL);
        if ((mask & 0x8000_0000) != 0) throw new SysError(EINVAL); // STATX__RESERVED
        copyOut(buf, statOf(dfd, pathp, flags).toStatx());
        return 0;
    }

    long getdents64(int fd, long dirp, long count) {
        OpenFile f = fds().get(fd);
        if (!(f instanceof DirectoryFile d)) throw new SysError(ENOTDIR);
        count &= 0xFFFF_FFFFL; // unsigned int
        if (!accessOk(dirp, count)) throw new SysError(EFAULT);
        byte[] b = d.getdents64(vfs(), (int) Math.min(count, Integer.MAX_VALUE));
        copyOut(dirp, b);
        return b.length;
    }

    long readlinkat(int dfd, long pathp, long buf, int size) {
        if (size <= 0) throw new SysError(EINVAL);
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, false);
        byte[] t = vfs().readLink(l).getBytes(StandardCharsets.UTF_8);
        int n = Math.min(t.length, size);
        if (!mm().copyToUser(buf, t, 0, n)) throw new SysError(EFAULT);
        return n;
    }

    long faccessat(int dfd, long pathp, int mode, int flags) {
        if ((mode & ~7) != 0) throw new SysError(EINVAL);
        if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) throw new SysError(EINVAL);
        String path = path(pathp, (flags & AT_EMPTY_PATH) != 0);
        Vfs.Lookup l = path.isEmpty() ? vfs().lookup("/", dfd == AT_FDCWD ? vfs().cwd() : fds().get(dfd).guestPath, true)
                : vfs().lookup(base(dfd, path), path, (flags & AT_SYMLINK_NOFOLLOW) == 0);
        if (!l.exists()) throw new SysError(ENOENT);
        if (!vfs().mayAccess(l, mode)) throw new SysError(EACCES);
        return 0;
    }

    // ------------------------------------------------------------------ extended attributes (not modelled)

    private void xattrLookup(long pathp, boolean follow) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(AT_FDCWD, path), path, follow);
        if (!l.exists()) throw new SysError(ENOENT);
    }

    /** get/set/removexattr on an existing file: EOPNOTSUPP (list*xattr: an empty list). */
    private long xattrPath(long pathp, boolean follow) {
        xattrLookup(pathp, follow);
        throw new SysError(EOPNOTSUPP);
    }

    private long xattrFd(int fd) {
        fds().get(fd);
        throw new SysError(EOPNOTSUPP);
    }

    // ------------------------------------------------------------------ statfs, fadvise64

    /** statfs(path, buf): the file system holding the (followed) path. */
    long statfs(long pathp, long buf) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(AT_FDCWD, path), path, true);
        if (!l.exists()) throw new SysError(ENOENT);
        return putStatfs(buf, l.special() != null ? null : l.host(), l.special());
    }

    long fstatfs(int fd, long buf) {
        OpenFile f = fds().get(fd);
        if (f.host() == null) return putStatfs(buf, null, f.isPipe() ? null : Vfs.Special.DEV_DIR);
        return putStatfs(buf, f.host(), null);
    }

    static final long EXT4_SUPER_MAGIC = 0xEF53, TMPFS_MAGIC = 0x01021994, PROC_SUPER_MAGIC = 0x9FA0, PIPEFS_MAGIC = 0x50495045;

    /**
     * struct statfs (120 bytes on x86-64) from the host's java.nio FileStore: type by its name
     * (ext4, tmpfs, xfs, btrfs, overlay...), sizes in f_bsize blocks, ST_VALID and ST_RDONLY.
     * java.nio does not report inode counts: f_files and f_ffree are 0 (as file systems without
     * inodes report).
     */
    private long putStatfs(long buf, java.nio.file.Path host, Vfs.Special special) {
        long type, bsize = 4096, blocks = 0, bfree = 0, bavail = 0, flags = 0x20; // ST_VALID
        if (host != null) {
            try {
                java.nio.file.FileStore fs = Files.getFileStore(host);
                type = switch (fs.type()) {
                    case "ext2", "ext3", "ext4" -> EXT4_SUPER_MAGIC;
                    case "tmpfs" -> TMPFS_MAGIC;
                    case "xfs" -> 0x58465342L;
                    case "btrfs" -> 0x9123683EL;
                    case "overlay" -> 0x794C7630L;
                    case "proc" -> PROC_SUPER_MAGIC;
                    case "nfs", "nfs4" -> 0x6969;
                    case "zfs" -> 0x2FC12FC1L;
                    case "vfat" -> 0x4d44;
                    default -> EXT4_SUPER_MAGIC;
                };
                try {
                    bsize = fs.getBlockSize();
                } catch (UnsupportedOperationException | IOException e) {
                    bsize = 4096;
                }
                blocks = fs.getTotalSpace() / bsize;
                bfree = fs.getUnallocatedSpace() / bsize;
                bavail = fs.getUsableSpace() / bsize;
                if (fs.isReadOnly()) flags |= 1; // ST_RDONLY
            } catch (IOException e) {
                throw SysError.of(e);
            }
        } else {
            type = special == null ? PIPEFS_MAGIC : special.name().startsWith("PROC") ? PROC_SUPER_MAGIC : TMPFS_MAGIC;
        }
        byte[] b = new byte[120];
        long[] words = {type, bsize, blocks, bfree, bavail, 0, 0, 0, 255, bsize, flags};
        for (int w = 0; w < words.length; w++) for (int i = 0; i < 8; i++) b[w * 8 + i] = (byte) (words[w] >>> (8 * i));
        copyOut(buf, b);
        return 0;
    }

    /** fadvise64: advice is only a hint here; EBADF, ESPIPE for a pipe, EINVAL for a bad advice or negative length. */
    long fadvise64(int fd, long offset, long len, int advice) {
        OpenFile f = fds().get(fd);
        if (f.isPipe()) throw new SysError(ESPIPE);
        if (advice < 0 || advice > 5 || len < 0) throw new SysError(EINVAL);
        return 0;
    }

    // ------------------------------------------------------------------ the working directory

    long getcwd(long buf, long size) {
        byte[] b = (vfs().cwd() + "\0").getBytes(StandardCharsets.UTF_8);
        if (Long.compareUnsigned(size, b.length) < 0) throw new SysError(ERANGE);
        copyOut(buf, b);
        return b.length;
    }

    long chdir(long pathp) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(AT_FDCWD, path), path, true);
        if (!l.exists()) throw new SysError(ENOENT);
        if (!l.isDir()) throw new SysError(ENOTDIR);
        if (!vfs().mayAccess(l, 1)) throw new SysError(EACCES);
        vfs().setCwd(l.guest());
        return 0;
    }

    long fchdir(int fd) {
        OpenFile f = fds().get(fd);
        if (!f.isDirectory()) throw new SysError(ENOTDIR);
        vfs().setCwd(f.guestPath);
        return 0;
    }

    // ------------------------------------------------------------------ names: mkdir, unlink, rename, link, symlink

    long mkdirat(int dfd, long pathp, int mode) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, false, false);
        if (l.exists()) throw new SysError(EEXIST);
        if (l.special() != null) throw new SysError(ENOENT);
        try {
            Files.createDirectory(l.host());
        } catch (IOException e) {
            throw SysError.of(e);
        }
        vfs().setMode(l.host(), mode & 01777 & ~vfs().umask);
        return 0;
    }

    long unlinkat(int dfd, long pathp, int flags) {
        if ((flags & ~AT_REMOVEDIR) != 0) throw new SysError(EINVAL);
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, false);
        boolean rmdir = (flags & AT_REMOVEDIR) != 0;
        if (rmdir) {
            if (l.last().equals(".")) throw new SysError(EINVAL);
            if (l.last().equals("..")) throw new SysError(ENOTEMPTY);
            if (l.guest().equals("/")) throw new SysError(EBUSY);
        } else if (l.last().equals(".") || l.last().equals("..") || l.guest().equals("/")) {
            throw new SysError(EISDIR);
        }
        if (!l.exists()) throw new SysError(ENOENT);
        if (l.special() != null) throw new SysError(rmdir ? EBUSY : EPERM);
        if (rmdir && !l.isDir()) throw new SysError(ENOTDIR);
        if (!rmdir && l.isDir()) throw new SysError(EISDIR);
        if (rmdir && !isEmpty(l)) throw new SysError(ENOTEMPTY);
        try {
            Files.delete(l.host());
        } catch (IOException e) {
            throw SysError.of(e);
        }
        return 0;
    }

    private static boolean isEmpty(Vfs.Lookup dir) {
        try (var s = Files.newDirectoryStream(dir.host())) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            throw SysError.of(e);
        }
    }

    long renameat2(int odfd, long oldp, int ndfd, long newp, int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) throw new SysError(EINVAL);
        if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0 && (flags & RENAME_EXCHANGE) != 0) throw new SysError(EINVAL);
        String op = path(oldp, false), np = path(newp, false);
        Vfs.Lookup o = vfs().lookup(base(odfd, op), op, false);
        Vfs.Lookup n = vfs().lookup(base(ndfd, np), np, false);
        if (o.guest().equals("/") || o.last().equals(".") || o.last().equals("..")) throw new SysError(EBUSY);
        if (n.guest().equals("/") || n.last().equals(".") || n.last().equals("..")) throw new SysError((flags & RENAME_NOREPLACE) != 0 ? EEXIST : EBUSY);
        if ((flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) throw new SysError(EINVAL); // not supported by this file system
        if (!o.exists()) throw new SysError(ENOENT);
        if (o.special() != null || n.special() != null) throw new SysError(EXDEV); // lstar's own files live on no host file system
        if (!o.isDir() && (o.trailingSlash() || n.trailingSlash())) throw new SysError(ENOTDIR);
        if (n.exists() && (flags & RENAME_NOREPLACE) != 0) throw new SysError(EEXIST);
        if (o.guest().equals(n.guest())) return 0;
        if (o.isDir() && n.guest().startsWith(o.guest() + "/")) throw new SysError(EINVAL);
        if (n.exists()) {
            Stat so = vfs().stat(o), sn = vfs().stat(n);
            if (so.ino() == sn.ino() && so.dev() == sn.dev()) return 0; // two names of one inode: nothing to do
            if (o.isDir() && !n.isDir()) throw new SysError(ENOTDIR);
            if (!o.isDir() && n.isDir()) throw new SysError(EISDIR);
            if (n.isDir() && !isEmpty(n)) throw new SysError(ENOTEMPTY);
            if (o.guest().startsWith(n.guest() + "/")) throw new SysError(ENOTEMPTY);
        }
        try {
            Files.move(o.host(), n.host(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw SysError.of(e);
        }
        return 0;
    }

    long linkat(int odfd, long oldp, int ndfd, long newp, int flags) {
        if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) throw new SysError(EINVAL);
        String op = path(oldp, (flags & AT_EMPTY_PATH) != 0), np = path(newp, false);
        Vfs.Lookup o = op.isEmpty() ? vfs().lookup("/", fds().get(odfd).guestPath, false)
                : vfs().lookup(base(odfd, op), op, (flags & AT_SYMLINK_FOLLOW) != 0);
        Vfs.Lookup n = vfs().lookup(base(ndfd, np), np, false, false);
        if (!o.exists()) throw new SysError(ENOENT);
        if (n.exists()) throw new SysError(EEXIST);
        if (o.isDir()) throw new SysError(EPERM);
        if (o.special() != null) throw new SysError(EXDEV);
        if (n.trailingSlash() || n.special() != null) throw new SysError(ENOENT);
        try {
            Files.createLink(n.host(), o.host());
        } catch (IOException e) {
            throw SysError.of(e);
        }
        return 0;
    }

    long symlinkat(long targetp, int ndfd, long linkp) {
        String target = path(targetp, false), lp = path(linkp, false);
        Vfs.Lookup n = vfs().lookup(base(ndfd, lp), lp, false, false);
        if (n.exists()) throw new SysError(EEXIST);
        if (n.trailingSlash() || n.special() != null) throw new SysError(ENOENT);
        try {
            Files.createSymbolicLink(n.host(), vfs().fileSystem().getPath(target));
        } catch (IOException e) {
            throw SysError.of(e);
        } catch (java.nio.file.InvalidPathException e) {
            throw new SysError(EINVAL);
        }
        return 0;
    }

    // ------------------------------------------------------------------ attributes

    long fchmodat(int dfd, long pathp, int mode) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, true);
        if (!l.exists()) throw new SysError(ENOENT);
        if (l.special() != null) throw new SysError(EPERM);
        vfs().setMode(l.host(), mode);
        return 0;
    }

    long fchmod(int fd, int mode) {
        OpenFile f = fds().get(fd);
        if (f instanceof OpenFile.RegularFile r && r.chmodAnonymous(mode)) return 0;
        if (f.host() != null && !(f instanceof OpenFile.PathFile)) vfs().setMode(f.host(), mode);
        else if (f instanceof OpenFile.PathFile) throw new SysError(EBADF);
        return 0;
    }

    static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    /** utimensat (fs/utimes.c): times NULL = now; UTIME_NOW / UTIME_OMIT per field; a NULL path means the dirfd itself. */
    long utimensat(int dfd, long pathp, long timesp, int flags) {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) throw new SysError(EINVAL);
        java.nio.file.attribute.FileTime[] t = new java.nio.file.attribute.FileTime[2];
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.from(java.time.Instant.now());
        if (timesp != 0) {
            byte[] b = new byte[32];
            if (!mm().copyFromUser(timesp, b, 0, 32)) throw new SysError(EFAULT);
            for (int i = 0; i < 2; i++) {
                long sec = Syscalls.le64(b, i * 16), nsec = Syscalls.le64(b, i * 16 + 8);
                if (nsec == UTIME_OMIT) continue;
                if (nsec == UTIME_NOW) { t[i] = now; continue; }
                if (nsec < 0 || nsec >= 1_000_000_000L) throw new SysError(EINVAL);
                t[i] = java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(sec, nsec));
            }
            if (t[0] == null && t[1] == null) return 0;
        } else {
            t[0] = t[1] = now;
        }
        java.nio.file.Path host;
        boolean follow = (flags & AT_SYMLINK_NOFOLLOW) == 0;
        if (pathp == 0 && dfd != AT_FDCWD) {
            if (flags != 0) throw new SysError(EINVAL);
            OpenFile f = fds().get(dfd);
            host = f.host();
            if (host == null) return 0; // a pipe or a stream: its inode's times are not kept
            follow = false;
        } else {
            String path = path(pathp, (flags & AT_EMPTY_PATH) != 0);
            Vfs.Lookup l = path.isEmpty() ? vfs().lookup("/", dfd == AT_FDCWD ? vfs().cwd() : fds().get(dfd).guestPath, false)
                    : vfs().lookup(base(dfd, path), path, follow);
            if (!l.exists()) throw new SysError(ENOENT);
            if (l.special() != null) return 0;
            host = l.host();
        }
        try {
            java.nio.file.attribute.BasicFileAttributeView v = follow
                    ? Files.getFileAttributeView(host, java.nio.file.attribute.BasicFileAttributeView.class)
                    : Files.getFileAttributeView(host, java.nio.file.attribute.BasicFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            v.setTimes(t[1], t[0], null);
        } catch (IOException e) {
            throw SysError.of(e);
        }
        return 0;
    }

    long truncate(long pathp, long length) {
        String path = path(pathp, false);
        Vfs.Lookup l = vfs().lookup(base(AT_FDCWD, path), path, true);
        if (!l.exists()) throw new SysError(ENOENT);
        if (l.isDir()) throw new SysError(EISDIR);
        if (!l.isRegular()) throw new SysError(EINVAL);
        if (length < 0) throw new SysError(EINVAL);
        try (FileChannel ch = FileChannel.open(l.host(), StandardOpenOption.WRITE)) {
            new OpenFile.RegularFile(ch, l.host(), l.guest(), O_WRONLY).truncate(length);
        } catch (IOException e) {
            throw SysError.of(e);
        }
        return 0;
    }

    long ftruncate(int fd, long length) {
        if (length < 0) throw new SysError(EINVAL);
        OpenFile f = fds().get(fd);
        if (!f.isRegular() || !f.writable()) throw new SysError(EINVAL);
        f.truncate(length);
        return 0;
    }

    // ------------------------------------------------------------------ descriptors

    long dup(int fd) {
        OpenFile f = fds().get(fd);
        return fds().install(f, false, 0, nofile());
    }

    long dup2(int oldfd, int newfd) {
        OpenFile f = fds().get(oldfd);
        if (oldfd == newfd) return newfd;
        if (newfd < 0 || newfd >= nofile()) throw new SysError(EBADF);
        fds().installAt(newfd, f, false);
        return newfd;
    }

    long dup3(int oldfd, int newfd, int flags) {
        if ((flags & ~O_CLOEXEC) != 0) throw new SysError(EINVAL);
        if (oldfd == newfd) throw new SysError(EINVAL);
        if (newfd < 0 || newfd >= nofile()) throw new SysError(EBADF);
        OpenFile f = fds().get(oldfd);
        fds().installAt(newfd, f, (flags & O_CLOEXEC) != 0);
        return newfd;
    }

    long fcntl(int fd, int cmd, long arg) {
        OpenFile f = fds().get(fd);
        switch (cmd) {
            case F_DUPFD, F_DUPFD_CLOEXEC -> {
                long from = arg & 0xFFFF_FFFFL;
                if (from >= nofile()) throw new SysError(EINVAL);
                return fds().install(f, cmd == F_DUPFD_CLOEXEC, (int) from, nofile());
            }
            case F_GETFD -> { return fds().closeOnExec(fd) ? FD_CLOEXEC : 0; }
            case F_SETFD -> { fds().setCloseOnExec(fd, (arg & FD_CLOEXEC) != 0); return 0; }
            case F_GETFL -> { return f.flags; }
            case F_SETFL -> {
                if (f instanceof OpenFile.PathFile) throw new SysError(EBADF);
                f.flags = (f.flags & ~SETFL_MASK) | ((int) arg & SETFL_MASK);
                return 0;
            }
            case F_GETLK, F_OFD_GETLK -> { return getlk(f, cmd, arg); }
            case F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW -> { return setlk(f, cmd, arg); }
            case F_GETPIPE_SZ -> {
                if (!f.isPipe()) throw new SysError(EBADF);
                return Pipe.CAPACITY;
            }
            default -> throw new SysError(EINVAL);
        }
    }

    /** The file a lock or flock is on (its inode, "dev:ino"); null if it cannot be told. */
    static String lockKey(OpenFile f, Vfs vfs) {
        try {
            Stat st = f.stat(vfs);
            return st.dev() + ":" + st.ino();
        } catch (SysError | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** A struct flock read from the guest (l_type, l_whence, l_start, l_len, l_pid) and the range it means. */
    private static final class FlockArg {
        final byte[] b = new byte[32];
        int type, whence, pid;
        long lstart, llen, start, end;
    }

    /** copy_from_user of the struct flock at {@code arg}. */
    private FlockArg readFlock(long arg) {
        FlockArg a = new FlockArg();
        if (!mm().copyFromUser(arg, a.b, 0, 32)) throw new SysError(EFAULT);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(a.b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        a.type = bb.getShort(0);
        a.whence = bb.getShort(2);
        a.lstart = bb.getLong(8);
        a.llen = bb.getLong(16);
        a.pid = bb.getInt(24);
        return a;
    }

    /**
     * flock_to_posix_lock: the byte range from l_whence (SEEK_SET, SEEK_CUR: the file position,
     * SEEK_END: the size; else EINVAL), l_start (EOVERFLOW past OFFSET_MAX, EINVAL before 0) and
     * l_len (0: to EOF; negative: the bytes before the start); then the type (EINVAL).
     */
    private static void lockRange(FlockArg a, OpenFile f) {
        long base = switch (a.whence) {
            case SEEK_SET -> 0;
            case SEEK_CUR -> f.position();
            case SEEK_END -> {
                try {
                    yield f.sizeNow();
                } catch (SysError e) {
                    yield 0; // i_size of a file without one (a pipe)
                }
            }
            default -> throw new SysError(EINVAL);
        };
        if (a.lstart > RecordLocks.OFFSET_MAX - base) throw new SysError(EOVERFLOW);
        long start = base + a.lstart;
        if (start < 0) throw new SysError(EINVAL);
        long end;
        if (a.llen > 0) {
            if (a.llen - 1 > RecordLocks.OFFSET_MAX - start) throw new SysError(EOVERFLOW);
            end = start + (a.llen - 1);
        } else if (a.llen < 0) {
            if (start + a.llen < 0) throw new SysError(EINVAL);
            end = start - 1;
            start += a.llen;
        } else {
            end = RecordLocks.OFFSET_MAX;
        }
        if (a.type != F_RDLCK && a.type != F_WRLCK && a.type != F_UNLCK) throw new SysError(EINVAL);
        a.start = start;
        a.end = end;
    }

    /** check_fcntl_cmd: on an O_PATH descriptor only the descriptor commands work (EBADF). */
    private static void notPath(OpenFile f) {
        if ((f.flags & O_PATH) != 0 || f instanceof OpenFile.PathFile) throw new SysError(EBADF);
    }

    /**
     * fcntl_getlk: l_type must be F_RDLCK or F_WRLCK (EINVAL), the range valid, an OFD query's
     * l_pid 0 (EINVAL); the struct comes back with the first conflicting lock of another owner
     * (l_whence SEEK_SET, l_pid its process, -1 for an OFD lock) or just l_type F_UNLCK.
     */
    private long getlk(OpenFile f, int cmd, long arg) {
        notPath(f);
        FlockArg a = readFlock(arg);
        if (a.type != F_RDLCK && a.type != F_WRLCK) throw new SysError(EINVAL);
        lockRange(a, f);
        if (cmd == F_OFD_GETLK && a.pid != 0) throw new SysError(EINVAL);
        Object owner = cmd == F_OFD_GETLK ? f : (Object) k.current.fds; // fl_owner = current->files
        String file = lockKey(f, vfs());
        RecordLocks.Lock c = file == null ? null : k.recordLocks.conflict(file, owner, a.type, a.start, a.end);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(a.b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (c == null) {
            bb.putShort(0, (short) F_UNLCK);
        } else {
            bb.putShort(0, (short) c.type);
            bb.putShort(2, (short) SEEK_SET);
            bb.putLong(8, c.start);
            bb.putLong(16, c.end == RecordLocks.OFFSET_MAX ? 0 : c.end - c.start + 1);
            bb.putInt(24, c.ofd() ? -1 : c.pid);
        }
        copyOut(arg, a.b);
        return 0;
    }

    /**
     * fcntl_setlk: the range (flock_to_posix_lock), a read lock needs a readable descriptor and
     * a write lock a writable one (EBADF), an OFD request l_pid 0 (EINVAL); then posix_lock_inode.
     * A conflict is EAGAIN for F_SETLK; F_SETLKW fails with EDEADLK when the owner of the
     * conflicting lock waits, directly or through others, for the caller (POSIX locks only), else
     * sleeps until some lock or descriptor changes and tries again; a signal ends the sleep
     * (-ERESTARTSYS: EINTR, or a restart under SA_RESTART).
     */
    private long setlk(OpenFile f, int cmd, long arg) {
        notPath(f);
        FlockArg a = readFlock(arg);
        lockRange(a, f);
        int acc = f.flags & O_ACCMODE;
        if (a.type == F_RDLCK && acc != O_RDONLY && acc != O_RDWR) throw new SysError(EBADF);
        if (a.type == F_WRLCK && acc != O_WRONLY && acc != O_RDWR) throw new SysError(EBADF);
        boolean ofd = cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
        if (ofd && a.pid != 0) throw new SysError(EINVAL);
        boolean wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
        Task t = k.current;
        Object owner = ofd ? f : (Object) t.fds; // fl_owner = current->files (l_pid: the tgid)
        String file = lockKey(f, vfs());
        if (file == null) throw new SysError(ENOLCK);
        RecordLocks locks = k.recordLocks;
        while (true) {
            RecordLocks.Lock c = a.type == F_UNLCK ? null : locks.conflict(file, owner, a.type, a.start, a.end);
            if (c == null) {
                locks.set(file, owner, t.tgid, a.type, a.start, a.end);
                return 0;
            }
            if (!wait) throw new SysError(EAGAIN);
            if (locks.deadlock(owner, c)) throw new SysError(EDEADLK);
            locks.waitFor(owner, c);
            try {
                k.sched.wakeFiles();
                k.sched.sleep(t, Scheduler.FILES, Long.MAX_VALUE, "fcntl(" + (ofd ? "F_OFD_SETLKW" : "F_SETLKW") + ", "
                        + (a.type == F_WRLCK ? "F_WRLCK" : "F_RDLCK") + ") of " + f.guestPath + " (held by pid " + c.pid + ")", null, true);
            } finally {
                locks.waitFor(owner, null);
            }
            if (t.signals.hasReady() || t.killed) throw new SysError(ERESTARTSYS);
        }
    }

    long ioctl(int fd, int cmd, long arg) {
        OpenFile f = fds().get(fd);
        switch (cmd) {
            case FIOCLEX -> { fds().setCloseOnExec(fd, true); return 0; }
            case FIONCLEX -> { fds().setCloseOnExec(fd, false); return 0; }
            case FIONBIO -> {
                byte[] b = new byte[4];
                if (!mm().copyFromUser(arg, b, 0, 4)) throw new SysError(EFAULT);
                boolean on = (b[0] | b[1] | b[2] | b[3]) != 0;
                f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
                return 0;
            }
            case FIONREAD -> {
                int n;
                if (f instanceof Pipe.End p) n = p.available();
                else if (f.hostFd() >= 0 && f.readable()) {
                    byte[] b = new byte[4];
                    int r = dev.lstar.kernel.vfs.HostTty.ioctl(f.hostFd(), FIONREAD, b, 4);
                    if (r < 0) throw new SysError(-r);
                    copyOut(arg, b);
                    return 0;
                }
                else if (f.isRegular()) {
                    long size = f.stat(vfs()).size(), pos = f.seek(0, SEEK_CUR);
                    n = (int) Math.max(0, Math.min(Integer.MAX_VALUE, size - pos));
                } else throw new SysError(ENOTTY);
                byte[] b = {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)};
                copyOut(arg, b);
                return 0;
            }
            case TCGETS, TIOCGWINSZ -> {
                // the host's terminal behind the JVM's own stdin/stdout/stderr answers; anything else is no terminal
                int hostFd = f.hostFd();
                if (hostFd < 0) throw new SysError(ENOTTY);
                byte[] b = new byte[cmd == TCGETS ? TERMIOS_SIZE : 8];
                int r = dev.lstar.kernel.vfs.HostTty.ioctl(hostFd, cmd, b, b.length);
                if (r < 0) throw new SysError(-r);
                copyOut(arg, b);
                return 0;
            }
            case TCSETS, TCSETSW, TCSETSF, TIOCSWINSZ -> {
                int hostFd = f.hostFd();
                if (hostFd < 0) throw new SysError(ENOTTY);
                byte[] b = new byte[cmd == TIOCSWINSZ ? 8 : TERMIOS_SIZE];
                if (!mm().copyFromUser(arg, b, 0, b.length)) throw new SysError(EFAULT);
                int r = dev.lstar.kernel.vfs.HostTty.ioctl(hostFd, cmd, b, b.length);
                if (r < 0) throw new SysError(-r);
                return 0;
            }
            default -> throw new SysError(ENOTTY); // other terminal ioctls (TIOCGPGRP...) are not modelled
        }
    }

    long pipe2(long fdsp, int flags) {
        if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_EXCL)) != 0) throw new SysError(EINVAL);
        Pipe.End[] ends = Pipe.create(flags);
        boolean cloexec = (flags & O_CLOEXEC) != 0;
        int r = fds().install(ends[0], cloexec, 0, nofile());
        int w;
        try {
            w = fds().install(ends[1], cloexec, 0, nofile());
        } catch (SysError e) {
            fds().close(r);
            ends[1].refsZeroRelease();
            throw e;
        }
        byte[] b = {(byte) r, (byte) (r >> 8), (byte) (r >> 16), (byte) (r >> 24), (byte) w, (byte) (w >> 8), (byte) (w >> 16), (byte) (w >> 24)};
        if (!mm().copyToUser(fdsp, b, 0, 8)) {
            fds().close(r);
            fds().close(w);
            throw new SysError(EFAULT);
        }
        return 0;
    }

    long closeRange(long first, long last, int flags) {
        if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0) throw new SysError(EINVAL);
        if (first > last) throw new SysError(EINVAL);
        long end = Math.min(last, fds().size() - 1L);
        for (long fd = first; fd <= end; fd++) {
            if (!fds().isOpen(fd)) continue;
            if ((flags & CLOSE_RANGE_CLOEXEC) != 0) fds().setCloseOnExec(fd, true);
            else fds().close(fd);
        }
        return 0;
    }

    // ------------------------------------------------------------------ owners (fs/open.c chown_common)

    /**
     * fchownat(dfd, path, uid, gid, flags): -1 keeps an id. The change is made on the host file
     * (java.nio's unix:uid / unix:gid attributes, i.e. the host's lchown), so the host decides
     * (EPERM for another owner unless lstar runs as root, as it would for a native process).
     * lstar's own /dev and /proc files keep their owners: only a no-op change succeeds.
     */
    long fchownat(int dfd, long pathp, int uid, int gid, int flags) {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) throw new SysError(EINVAL);
        String path = path(pathp, (flags & AT_EMPTY_PATH) != 0);
        if (path.isEmpty()) {
            if (dfd == AT_FDCWD) return chown(vfs().lookup("/", vfs().cwd(), true), uid, gid);
            OpenFile f = fds().get(dfd);
            return chownFile(f, uid, gid);
        }
        Vfs.Lookup l = vfs().lookup(base(dfd, path), path, (flags & AT_SYMLINK_NOFOLLOW) == 0);
        if (!l.exists()) throw new SysError(ENOENT);
        return chown(l, uid, gid);
    }

    long fchown(int fd, int uid, int gid) {
        OpenFile f = fds().get(fd);
        if ((f.flags & O_PATH) != 0) throw new SysError(EBADF); // fdget() does not return O_PATH files
        return chownFile(f, uid, gid);
    }

    private long chownFile(OpenFile f, int uid, int gid) {
        java.nio.file.Path host = f.host();
        if (host == null) return sameOwner(f.stat(vfs()), uid, gid); // a pipe, an eventfd, a stream: an inode lstar owns
        return chownHost(host, uid, gid);
    }

    private long chown(Vfs.Lookup l, int uid, int gid) {
        if (l.special() != null) return sameOwner(vfs().stat(l), uid, gid);
        return chownHost(l.host(), uid, gid);
    }

    private static long sameOwner(Stat s, int uid, int gid) {
        if ((uid != -1 && uid != s.uid()) || (gid != -1 && gid != s.gid())) throw new SysError(EPERM);
        return 0;
    }

    private long chownHost(java.nio.file.Path host, int uid, int gid) {
        try {
            if (host.getFileSystem().supportedFileAttributeViews().contains("unix")) {
                if (uid != -1) Files.setAttribute(host, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (gid != -1) Files.setAttribute(host, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                return 0;
            }
        } catch (IOException e) {
            throw SysError.of(e);
        } catch (UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // a unix view that cannot set owners (an in-memory file system): judged below
        }
        return sameOwner(vfs().stat(host), uid, gid);
    }

    // ------------------------------------------------------------------ sync, fallocate, flock

    /** sync(2)/syncfs: every open regular file is forced to the host's storage (errors are not reported, as sync's are not). */
    void syncAll() {
        for (int fd = 0; fd < fds().size(); fd++) {
            if (!fds().isOpen(fd)) continue;
            OpenFile f = fds().get(fd);
            if (f.isRegular()) {
                try {
                    f.sync();
                } catch (SysError ignored) {
                    // sync() returns void in Linux: nothing to report
                }
            } else if (f instanceof OpenFile.StreamFile sf) {
                sf.flush();
            }
        }
    }

    static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_COLLAPSE_RANGE = 8, FALLOC_FL_ZERO_RANGE = 0x10,
            FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40;
    static final int FALLOC_FL_SUPPORTED_MASK = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE
            | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE;

    /**
     * fallocate(fd, mode, offset, len) with vfs_fallocate's checks in order. Mode 0 extends the
     * file to offset + len; KEEP_SIZE alone has nothing visible to do (lstar does not reserve
     * blocks); PUNCH_HOLE (with KEEP_SIZE) and ZERO_RANGE write zeros over the range (the file
     * reads the same, though no hole is made); COLLAPSE_RANGE, INSERT_RANGE and UNSHARE_RANGE are
     * not modelled: EOPNOTSUPP, as a file system without them answers.
     */
    long fallocate(int fd, int mode, long offset, long len) {
        OpenFile f = fds().get(fd);
        if ((f.flags & O_PATH) != 0) throw new SysError(EBADF);
        if (offset < 0 || len <= 0) throw new SysError(EINVAL);
        if ((mode & ~FALLOC_FL_SUPPORTED_MASK) != 0) throw new SysError(EOPNOTSUPP);
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) throw new SysError(EOPNOTSUPP);
        if ((mode & FALLOC_FL_PUNCH_HOLE) != 0 && (mode & FALLOC_FL_KEEP_SIZE) == 0) throw new SysError(EOPNOTSUPP);
        if ((mode & FALLOC_FL_COLLAPSE_RANGE) != 0 && (mode & ~FALLOC_FL_COLLAPSE_RANGE) != 0) throw new SysError(EINVAL);
        if ((mode & FALLOC_FL_INSERT_RANGE) != 0 && (mode & ~FALLOC_FL_INSERT_RANGE) != 0) throw new SysError(EINVAL);
        if ((mode & FALLOC_FL_UNSHARE_RANGE) != 0 && (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)) != 0) throw new SysError(EINVAL);
        if (!f.writable()) throw new SysError(EBADF);
        int type = f.stat(vfs()).mode() & Stat.S_IFMT;
        if (type == Stat.S_IFIFO) throw new SysError(ESPIPE);
        if (type == Stat.S_IFDIR) throw new SysError(EISDIR);
        if (!f.isRegular()) throw new SysError(ENODEV);
        if (offset + len < 0) throw new SysError(EFBIG);
        if ((mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)) != 0) throw new SysError(EOPNOTSUPP);
        long size = f.sizeNow(), end = offset + len;
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            long zeroEnd = (mode & FALLOC_FL_KEEP_SIZE) != 0 ? Math.min(end, size) : end;
            byte[] zeros = new byte[(int) Math.min(CHUNK, Math.max(0, zeroEnd - offset))];
            for (long at = offset; at < zeroEnd; at += zeros.length) {
                int n = (int) Math.min(zeros.length, zeroEnd - at);
                f.pwriteAt(zeros, 0, n, at);
            }
            return 0;
        }
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > size) f.truncate(end);
        return 0;
    }

    static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, LOCK_MAND = 32;

    /** One flock(2) lock: the open file description holding it and whether it is exclusive. */
    private record Flock(OpenFile owner, boolean exclusive) {}

    /** The flock locks by inode ("dev:ino"); a description that is no longer referenced holds none (dropped lazily). */
    private final java.util.Map<String, java.util.List<Flock>> flocks = new java.util.HashMap<>();

    /**
     * flock(fd, operation): BSD locks belong to the open file description, so in one process
     * two descriptions of one file (two open calls) conflict as they would between processes;
     * a fork shares its parent's descriptions and so their locks. A conflicting LOCK_NB request
     * is EWOULDBLOCK; a blocking one waits through {@link #guard} (while other tasks run, retried
     * after any descriptor operation; in a lone task only a signal can end it, else it is the
     * deadlock it is, like a pipe read). LOCK_MAND is ignored (0), as Linux 6.6 does.
     */
    long flock(long fd, int cmd) {
        if ((cmd & LOCK_MAND) != 0) return 0;
        int op = cmd & ~LOCK_NB;
        if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN) throw new SysError(EINVAL);
        OpenFile f = fds().get(fd);
        if ((f.flags & O_PATH) != 0) throw new SysError(EBADF);
        if (op != LOCK_UN && !f.readable() && !f.writable()) throw new SysError(EBADF);
        String key = lockKey(f, vfs());
        if (key == null) throw new SysError(ENOLCK);
        java.util.List<Flock> list = flocks.computeIfAbsent(key, x -> new java.util.ArrayList<>());
        list.removeIf(l -> !l.owner().referenced() || l.owner() == f); // unlock first (a conversion is not atomic in Linux either)
        if (op == LOCK_UN) {
            if (list.isEmpty()) flocks.remove(key);
            return 0;
        }
        boolean ex = op == LOCK_EX;
        for (Flock l : list) {
            if (ex || l.exclusive()) {
                if ((cmd & LOCK_NB) != 0) throw new SysError(EAGAIN);
                throw new Pipe.WouldBlockForever("flock(" + (ex ? "LOCK_EX" : "LOCK_SH") + ") of " + f.guestPath
                        + ", locked through another open file description,");
            }
        }
        list.add(new Flock(f, ex));
        return 0;
    }

    // ------------------------------------------------------------------ copy_file_range, preadv/pwritev

    /**
     * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): both descriptors, the offsets,
     * flags 0, then generic_copy_file_checks (EISDIR, EINVAL for non-regular files, EBADF for the
     * access modes and O_APPEND, EOVERFLOW, EINVAL for an overlapping range of one file); the copy
     * stops at the input's end. The offsets (or file positions) advance by what was copied.
     */
    long copyFileRange(int fdIn, long offIn, int fdOut, long offOut, long len, int flags) {
        OpenFile in = fds().get(fdIn);
        OpenFile out = fds().get(fdOut);
        if ((in.flags & O_PATH) != 0 || (out.flags & O_PATH) != 0) throw new SysError(EBADF);
        long posIn, posOut;
        if (offIn != 0) {
            byte[] b = new byte[8];
            if (!mm().copyFromUser(offIn, b, 0, 8)) throw new SysError(EFAULT);
            posIn = Syscalls.le64(b, 0);
        } else {
            posIn = in.isRegular() ? in.seek(0, SEEK_CUR) : 0;
        }
        if (offOut != 0) {
            byte[] b = new byte[8];
            if (!mm().copyFromUser(offOut, b, 0, 8)) throw new SysError(EFAULT);
            posOut = Syscalls.le64(b, 0);
        } else {
            posOut = out.isRegular() ? out.seek(0, SEEK_CUR) : 0;
        }
        if (flags != 0) throw new SysError(EINVAL);
        if (in.isDirectory() || out.isDirectory()) throw new SysError(EISDIR);
        if (!in.isRegular() || !out.isRegular()) throw new SysError(EINVAL);
        if (!in.readable() || !out.writable() || (out.flags & O_APPEND) != 0) throw new SysError(EBADF);
        if (posIn + len < posIn || posOut + len < posOut) throw new SysError(EOVERFLOW);
        long sizeIn = in.sizeNow();
        long count = posIn >= sizeIn ? 0 : Math.min(len, sizeIn - posIn);
        Stat si = in.stat(vfs()), so = out.stat(vfs());
        boolean same = si.dev() == so.dev() && si.ino() == so.ino();
        if (same && posOut + count > posIn && posOut < posIn + count) throw new SysError(EINVAL);
        if (count == 0) return 0;
        if (posIn < 0 || posOut < 0) throw new SysError(EINVAL); // rw_verify_area
        count = Math.min(count, Syscalls.MAX_RW_COUNT);
        byte[] b = ioBuffer;
        long done = 0;
        while (done < count) {
            int want = (int) Math.min(b.length, count - done);
            int got = in.pread(b, 0, want, posIn + done);
            if (got <= 0) break;
            int off = 0;
            while (off < got) off += out.pwrite(b, off, got - off, posOut + done + off);
            done += got;
        }
        if (done > 0) {
            if (offIn != 0) { if (!mm().putUser64(offIn, posIn + done)) return -EFAULT; } else in.seek(posIn + done, SEEK_SET);
            if (offOut != 0) { if (!mm().putUser64(offOut, posOut + done)) return -EFAULT; } else out.seek(posOut + done, SEEK_SET);
        }
        return done;
    }

    static final int RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 0x10;
    static final int RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND;

    /**
     * preadv/pwritev(fd, iov, cnt, pos_l, pos_h) and the *2 forms with flags: on x86-64 the
     * position is pos_l (pos_h is shifted out); for the *2 forms -1 means the file position
     * (readv/writev). A negative position is EINVAL, then the descriptor (EBADF; ESPIPE for pipes
     * and streams), the access mode (EBADF) and the iovec (EINVAL, EFAULT). Flags outside
     * RWF_SUPPORTED are EOPNOTSUPP; HIPRI is a hint, DSYNC and SYNC flush a write to the host's
     * storage, NOWAIT makes a pipe or eventfd EAGAIN instead of blocking, APPEND writes at the end.
     */
    long prwv(int fd, long iov, long cnt, long pos, int flags, boolean write, boolean v2) {
        if (v2 && pos == -1) {
            OpenFile f = fds().get(fd);
            return withFlags(f, flags, write, () -> rwv(fd, iov, (int) cnt, write));
        }
        if (pos < 0) throw new SysError(EINVAL);
        OpenFile f = fds().get(fd);
        if ((f.flags & O_PATH) != 0) throw new SysError(EBADF);
        if (f.isPipe() || f instanceof OpenFile.StreamFile || f instanceof dev.lstar.kernel.vfs.EventFd) throw new SysError(ESPIPE);
        if (write ? !f.writable() : !f.readable()) throw new SysError(EBADF);
        if (cnt == 0) return 0;
        byte[] vec = importIovec(iov, cnt);
        long total = 0;
        for (int i = 0; i < cnt; i++) total += Syscalls.le64(vec, i * 16 + 8);
        if ((flags & ~RWF_SUPPORTED) != 0) throw new SysError(EOPNOTSUPP);
        if (total == 0) return 0;
        if (!write && f.isDirectory()) throw new SysError(EISDIR);
        return withFlags(f, flags, write,
                () -> eachSegment(vec, (base, len, done) -> write ? pwrite(fd, base, len, pos + done) : pread(fd, base, len, pos + done)));
    }

    /** Runs a transfer with the RWF_* flags applied to the file for its duration. */
    private long withFlags(OpenFile f, int flags, boolean write, LongSupplier body) {
        if ((flags & ~RWF_SUPPORTED) != 0) throw new SysError(EOPNOTSUPP);
        int saved = f.flags;
        if ((flags & RWF_NOWAIT) != 0) f.flags |= O_NONBLOCK;
        if (write && (flags & RWF_APPEND) != 0) f.flags |= O_APPEND;
        long r;
        try {
            r = body.getAsLong();
        } finally {
            f.flags = saved;
        }
        if (write && r > 0 && (flags & (RWF_DSYNC | RWF_SYNC)) != 0 && f.isRegular()) f.sync();
        return r;
    }

    // ------------------------------------------------------------------ openat2

    static final int OPEN_HOW_SIZE_VER0 = 24;
    static final long VALID_OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | __O_SYNC
            | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | __O_TMPFILE;
    static final int VALID_RESOLVE_FLAGS = Vfs.RESOLVE_NO_XDEV | Vfs.RESOLVE_NO_MAGICLINKS | Vfs.RESOLVE_NO_SYMLINKS
            | Vfs.RESOLVE_BENEATH | Vfs.RESOLVE_IN_ROOT | Vfs.RESOLVE_CACHED;

    /**
     * openat2(dfd, path, how, size): struct open_how {u64 flags, mode, resolve}. A size below 24
     * is EINVAL, above a page E2BIG, and bytes past the known struct must be zero (E2BIG);
     * unlike open, every unknown flag or mode bit is EINVAL. RESOLVE_* are enforced by the VFS
     * walk ({@link Vfs#lookup(String, String, boolean, boolean, int, String)}); RESOLVE_CACHED
     * treats every lookup as cached (lstar has no dentry cache to miss) but refuses creation and
     * truncation with EAGAIN, as Linux does.
     */
    long openat2(int dfd, long pathp, long howp, long usize) {
        if (Long.compareUnsigned(usize, OPEN_HOW_SIZE_VER0) < 0) throw new SysError(EINVAL);
        if (Long.compareUnsigned(usize, 4096) > 0) throw new SysError(E2BIG);
        byte[] b = new byte[(int) usize];
        if (!mm().copyFromUser(howp, b, 0, b.length)) throw new SysError(EFAULT);
        for (int i = OPEN_HOW_SIZE_VER0; i < b.length; i++) if (b[i] != 0) throw new SysError(E2BIG);
        long flags = Syscalls.le64(b, 0), mode = Syscalls.le64(b, 8), resolve = Syscalls.le64(b, 16);
        if ((flags & O_PATH) == 0) flags |= O_LARGEFILE;
        if ((flags & ~VALID_OPEN_FLAGS) != 0) throw new SysError(EINVAL);
        if ((resolve & ~VALID_RESOLVE_FLAGS) != 0) throw new SysError(EINVAL);
        if ((resolve & Vfs.RESOLVE_BENEATH) != 0 && (resolve & Vfs.RESOLVE_IN_ROOT) != 0) throw new SysError(EINVAL);
        if ((flags & (O_CREAT | __O_TMPFILE)) != 0) {
            if ((mode & ~07777L) != 0) throw new SysError(EINVAL);
        } else if (mode != 0) {
            throw new SysError(EINVAL);
        }
        if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT)) throw new SysError(EINVAL);
        if ((flags & __O_TMPFILE) != 0) {
            if ((flags & (__O_TMPFILE | O_DIRECTORY | O_CREAT)) != (__O_TMPFILE | O_DIRECTORY)) throw new SysError(EINVAL);
            long acc = flags & O_ACCMODE;
            if (acc != O_WRONLY && acc != O_RDWR) throw new SysError(EINVAL);
        }
        if ((flags & O_PATH) != 0 && (flags & ~(long) (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)) != 0) throw new SysError(EINVAL);
        if ((resolve & Vfs.RESOLVE_CACHED) != 0 && (flags & (O_TRUNC | O_CREAT | __O_TMPFILE)) != 0) throw new SysError(EAGAIN);
        return openat(dfd, pathp, (int) flags, (int) mode, (int) resolve);
    }

    // ------------------------------------------------------------------ memfd_create, eventfd

    static final int MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
    static final int MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
    /** NAME_MAX - strlen("memfd:"). */
    static final int MFD_NAME_MAX_LEN = 249;

    /**
     * memfd_create(name, flags): an anonymous regular file, "memfd:NAME", that reads, writes,
     * seeks, truncates, fstats and mmaps (MAP_SHARED too) like any file. Its bytes live in a host
     * temporary file that is unlinked as soon as it is open (nothing is left behind; the guest
     * cannot name it).
     * Seals are not modelled: fcntl's F_ADD_SEALS/F_GET_SEALS are EINVAL as for a file that cannot
     * be sealed, whatever MFD_ALLOW_SEALING said; MFD_HUGETLB is ENOSYS, as on a kernel without
     * hugetlbfs. fstat shows shmem's inode: mode 0777 (0666 with MFD_NOEXEC_SEAL), no link, the
     * temporary file's device and inode numbers.
     */
    long memfdCreate(long namep, int flags) {
        if ((flags & MFD_HUGETLB) == 0) {
            if ((flags & ~MFD_ALL_FLAGS) != 0) throw new SysError(EINVAL);
        } else if ((flags & ~(MFD_ALL_FLAGS | (0x3F << 26))) != 0) {
            throw new SysError(EINVAL);
        }
        if ((flags & MFD_EXEC) != 0 && (flags & MFD_NOEXEC_SEAL) != 0) throw new SysError(EINVAL);
        byte[] name = userString(namep, MFD_NAME_MAX_LEN + 1);
        if (name == null) throw new SysError(EFAULT);
        if (name.length > MFD_NAME_MAX_LEN) throw new SysError(EINVAL);
        if (!hasFreeFd()) throw new SysError(EMFILE);
        if ((flags & MFD_HUGETLB) != 0) throw new SysError(ENOSYS);
        String guest = "/memfd:" + new String(name, StandardCharsets.UTF_8) + " (deleted)";
        OpenFile.RegularFile f;
        try {
            java.nio.file.Path tmp = Files.createTempFile("lstar-memfd-", null);
            Stat h = vfs().stat(tmp);
            // shmem_file_setup's inode: a regular file 0777 (0666 under MFD_NOEXEC_SEAL), no link
            int mode = Stat.S_IFREG | ((flags & MFD_NOEXEC_SEAL) != 0 ? 0666 : 0777);
            Stat st = new Stat(h.dev(), h.ino(), mode, 0, h.uid(), h.gid(), 0, 0, h.blksize(), 0, h.atimeSec(), h.atimeNsec(),
                    h.mtimeSec(), h.mtimeNsec(), h.ctimeSec(), h.ctimeNsec(), h.btimeSec(), h.btimeNsec(), h.hasBtime());
            // DELETE_ON_CLOSE: on Linux the JDK unlinks the file right after opening it
            FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
            f = new OpenFile.RegularFile(ch, tmp, guest, O_RDWR | O_LARGEFILE);
            f.anonymous(st);
        } catch (IOException e) {
            throw new SysError(ENOMEM);
        }
        try {
            return fds().install(f, (flags & MFD_CLOEXEC) != 0, 0, nofile());
        } catch (SysError e) {
            f.refsZeroRelease();
            throw e;
        }
    }

    /** eventfd2(initval, flags): EFD_SEMAPHORE, EFD_NONBLOCK (O_NONBLOCK), EFD_CLOEXEC (O_CLOEXEC); other bits EINVAL. */
    long eventfd2(long initval, int flags) {
        if ((flags & ~(O_CLOEXEC | O_NONBLOCK | dev.lstar.kernel.vfs.EventFd.EFD_SEMAPHORE)) != 0) throw new SysError(EINVAL);
        OpenFile f = new dev.lstar.kernel.vfs.EventFd(initval, flags);
        try {
            return fds().install(f, (flags & O_CLOEXEC) != 0, 0, nofile());
        } catch (SysError e) {
            f.refsZeroRelease();
            throw e;
        }
    }
}
