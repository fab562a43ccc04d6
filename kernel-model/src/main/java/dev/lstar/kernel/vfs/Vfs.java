package dev.lstar.kernel.vfs;

import dev.lstar.kernel.Ids;

import static dev.lstar.kernel.Errno.*;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guest's file system: a directory of any {@link java.nio.file.FileSystem} (the host's, or an
 * in-memory one such as Jimfs) seen as the guest's "/". Paths are resolved here, component by
 * component, as fs/namei.c's link_path_walk does: "." and ".." are handled by lstar (".." at the
 * root stays at the root, as in a chroot), and every symbolic link — absolute or relative, in the
 * middle of a path or at its end — is read and followed by lstar itself, an absolute target
 * starting again at the guest's root. The host never resolves a ".." or a link for the guest, so
 * no path, link, dirfd or rename reaches outside the root. The host file system is only asked
 * for single components of already-resolved directories, with {@link LinkOption#NOFOLLOW_LINKS}.
 *
 * <p>A few files exist whatever the host has: /dev/null, /dev/zero, /dev/urandom, /dev/random
 * (character devices served by lstar) and /proc/self/exe (a symbolic link to the executable).
 */
public final class Vfs {
    public static final int PATH_MAX = 4096, NAME_MAX = 255, MAXSYMLINKS = 40;
    static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** The files lstar itself provides. */
    public enum Special {
        DEV_DIR, DEV_NULL, DEV_ZERO, DEV_URANDOM, PROC_DIR, PROC_SELF_DIR, PROC_SELF_EXE, PROC_SELF_MAPS, PROC_SELF_AUXV,
        /** /proc/self and /proc/thread-self: links to "PID" and "PID/task/PID". */
        PROC_SELF_LINK, PROC_THREAD_SELF_LINK,
        PROC_TASK_DIR, PROC_FD_DIR, PROC_FDINFO_DIR,
        /** /proc/PID/fd/N: a magic link to the open file. */
        PROC_FD_LINK,
        /** /proc/PID/fd/N followed to an open file that has no path to walk (a pipe, an eventfd, a memfd). */
        PROC_FD_OBJECT,
        PROC_FDINFO, PROC_CWD, PROC_ROOT, PROC_CMDLINE, PROC_ENVIRON, PROC_COMM, PROC_STAT, PROC_STATM, PROC_STATUS,
        /** A system-wide file of lstar's machine: /proc/cpuinfo, meminfo, ..., /proc/sys/kernel/osrelease ({@link SystemProc}). */
        PROC_SYSTEM,
        /** /proc/sys, /proc/sys/kernel or /proc/sys/vm where the guest's /proc has none (lstar's own /proc under --root). */
        PROC_SYS_DIR,
        /** A name under /proc/PID that lstar does not model: it does not exist (never the host's file). */
        PROC_MISSING;

        boolean isDir() {
            return this == DEV_DIR || this == PROC_DIR || this == PROC_SELF_DIR || this == PROC_TASK_DIR || this == PROC_FD_DIR
                    || this == PROC_FDINFO_DIR || this == PROC_SYS_DIR;
        }
        boolean isDevice() { return this == DEV_NULL || this == DEV_ZERO || this == DEV_URANDOM; }
        /** A read-only /proc file whose bytes the kernel generates at open ({@link Proc#content}). */
        public boolean isProcFile() {
            return switch (this) {
                case PROC_SELF_MAPS, PROC_SELF_AUXV, PROC_CMDLINE, PROC_ENVIRON, PROC_COMM, PROC_STAT, PROC_STATM, PROC_STATUS, PROC_FDINFO,
                     PROC_SYSTEM -> true;
                default -> false;
            };
        }
        /** A symbolic link of lstar's /proc. */
        public boolean isLink() {
            return this == PROC_SELF_EXE || this == PROC_SELF_LINK || this == PROC_THREAD_SELF_LINK || this == PROC_FD_LINK
                    || this == PROC_CWD || this == PROC_ROOT;
        }
        /** A "magic" link (proc_pid_get_link: RESOLVE_NO_MAGICLINKS refuses it); /proc/self is an ordinary one. */
        boolean isMagicLink() { return this == PROC_SELF_EXE || this == PROC_FD_LINK || this == PROC_CWD || this == PROC_ROOT; }
    }

    /**
     * The process that lstar's /proc/self describes (the kernel provides it at exec): its pid, its
     * descriptors, and the bytes of its generated files.
     */
    public interface Proc {
        int pid();
        FdTable fds();
        /** What its /proc/PID/exe points to (null: this Vfs's {@link #exePath}). */
        default String exePath() { return null; }
        /** Its working directory (null: this Vfs's). */
        default String cwd() { return null; }
        /** The bytes of a {@link Special#isProcFile()} file at open; {@code fd} for /proc/PID/fdinfo/N, else -1. */
        byte[] content(Special kind, int fd);
        /** The thread ids /proc/PID/task lists, ascending. */
        default int[] tids() { return new int[] {pid()}; }
        /** The files of thread {@code tid} of this process (/proc/PID/task/TID), or null if it has no such thread. */
        default Proc thread(int tid) { return tid == pid() ? this : null; }
        /** The calling thread's id (what /proc/thread-self names). */
        default int currentTid() { return pid(); }
        /** A write to its comm (fs/proc/base.c comm_write): the bytes written, or a {@link SysError}. */
        default int writeComm(byte[] b, int off, int len) { throw new SysError(EINVAL); }
    }

    /**
     * The system-wide files the kernel generates from its machine (/proc/cpuinfo, meminfo, uptime,
     * loadavg, stat, version, some of /proc/sys, and /sys/devices/system/cpu/online|possible|present),
     * by guest path.
     */
    public interface SystemProc {
        /** Whether the guest path ("/proc/cpuinfo") is one of these files. */
        boolean serves(String guest);
        byte[] content(String guest);
    }

    /**
     * A resolved path: its guest path ("/a/b"), the host path, the host attributes (not followed)
     * or null if it does not exist, or a {@link Special} file; {@code last} is the path's final
     * component as written (".", "..", or a name), {@code trailingSlash} whether it ended in '/'.
     */
    public record Lookup(String guest, Path host, BasicFileAttributes attrs, Special special, String last, boolean trailingSlash) {
        public boolean exists() { return special != null ? special != Special.PROC_MISSING : attrs != null; }
        public boolean isDir() { return special != null ? special.isDir() : attrs != null && attrs.isDirectory(); }
        public boolean isSymlink() { return special != null ? special.isLink() : attrs != null && attrs.isSymbolicLink(); }
        public boolean isRegular() { return special == null && attrs != null && attrs.isRegularFile(); }
    }

    private final Path root;
    private final boolean hostFs;
    private String cwd;
    /** The process's umask (fs->umask). */
    public int umask = 022;
    /** The process /proc/self shows (set by the kernel at exec; without one: pid 1, no descriptors, empty files). */
    public Proc proc;
    /** What /proc/self/exe points to (the executable's guest path). */
    public String exePath = "";
    /** The other guest processes' /proc views by pid (null: none), and the pids /proc lists; set by the kernel. */
    public java.util.function.IntFunction<Proc> procs;
    public java.util.function.Supplier<int[]> pids;
    /** The system-wide /proc files (null: the guest's /proc directory's own, the host's by default). */
    public SystemProc system;

    /**
     * @param root the directory that is the guest's "/"
     * @param cwd  the guest's working directory, a guest path ("/" or "/home/me")
     */
    public Vfs(Path root, String cwd) {
        this.root = root.toAbsolutePath();
        this.hostFs = root.getFileSystem() == FileSystems.getDefault();
        this.cwd = normalize(cwd);
    }

    /**
     * copy_fs_struct for a forked child: the same root and file system, the same working
     * directory and umask, its own copy of them from now on ({@link #proc} is set by the kernel).
     */
    public Vfs forkCopy() {
        Vfs v = new Vfs(root, cwd);
        v.umask = umask;
        v.exePath = exePath;
        v.procs = procs;
        v.pids = pids;
        v.system = system;
        return v;
    }

    /** The host's own file system, as qemu-user shows it: "/" is the host's root, the working directory the JVM's. */
    public static Vfs host() {
        return new Vfs(Path.of("/"), System.getProperty("user.dir", "/"));
    }

    /** The guest confined to {@code dir} (its "/"), starting in "/". */
    public static Vfs confined(Path dir) {
        return new Vfs(dir, "/");
    }

    public Path root() { return root; }
    public FileSystem fileSystem() { return root.getFileSystem(); }
    public String cwd() { return cwd; }
    public void setCwd(String guest) { cwd = normalize(guest); }

    /** The guest path of a host path inside the root, or null if it is outside. */
    public String guestPathOf(Path host) {
        Path abs = host.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) return null;
        Path rel = root.relativize(abs);
        String s = rel.toString().replace(rel.getFileSystem().getSeparator(), "/");
        return s.isEmpty() ? "/" : "/" + s;
    }

    static String normalize(String p) {
        List<String> out = new ArrayList<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) { if (!out.isEmpty()) out.remove(out.size() - 1); continue; }
            out.add(c);
        }
        return "/" + String.join("/", out);
    }

    /**
     * Resolves {@code path} (relative to the guest directory {@code base}) as path_lookupat does:
     * every component but the last must be a (followed) directory — ENOENT, ENOTDIR, ELOOP after
     * {@value #MAXSYMLINKS} links, ENAMETOOLONG for a component over {@value #NAME_MAX} bytes; the
     * last is followed if {@code follow} or the path ends in '/', and may be missing.
     */
    public Lookup lookup(String base, String path, boolean follow) {
        return lookup(base, path, follow, true);
    }

    /**
     * {@link #lookup(String, String, boolean)}; with {@code checkTrailing} false an existing
     * non-directory named with a trailing slash is returned rather than ENOTDIR (for the calls that
     * create a name: mkdir("file/") is EEXIST).
     */
    public Lookup lookup(String base, String path, boolean follow, boolean checkTrailing) {
        return lookup(base, path, follow, checkTrailing, 0, null);
    }

    // include/uapi/linux/openat2.h
    public static final int RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
            RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10, RESOLVE_CACHED = 0x20;

    /**
     * {@link #lookup(String, String, boolean, boolean)} with openat2's RESOLVE_* restrictions,
     * {@code start} being the dirfd's directory: NO_SYMLINKS (any link followed: ELOOP),
     * NO_MAGICLINKS (/proc/self/exe followed: ELOOP), BENEATH (an absolute path or link, or a
     * ".." above {@code start}: EXDEV), IN_ROOT ({@code start} is "/" for the walk: absolute
     * paths and links restart there, ".." stops there) and NO_XDEV (a component on another
     * device than {@code start}, lstar's /dev and /proc files included: EXDEV).
     */
    public Lookup lookup(String base, String path, boolean follow, boolean checkTrailing, int resolve, String start) {
        if (path.isEmpty()) throw new SysError(ENOENT);
        Deque<String> stack = new ArrayDeque<>();
        int rootDepth = 0;
        Deque<String> scope = new ArrayDeque<>();
        if ((resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0) {
            for (String c : normalize(start).split("/")) if (!c.isEmpty()) scope.addLast(c);
            rootDepth = scope.size();
            if (path.startsWith("/")) {
                if ((resolve & RESOLVE_BENEATH) != 0) throw new SysError(EXDEV);
                stack.addAll(scope);
            }
        }
        long startDev = (resolve & RESOLVE_NO_XDEV) != 0 ? devOf(path.startsWith("/") ? "/" : start) : 0;
        if (!path.startsWith("/")) for (String c : base.split("/")) if (!c.isEmpty()) stack.addLast(c);
        Deque<String> todo = new ArrayDeque<>();
        for (String c : path.split("/")) if (!c.isEmpty()) todo.addLast(c);
        boolean trailing = path.endsWith("/");
        String last = todo.isEmpty() ? "/" : todo.peekLast();
        int links = 0;
        BasicFileAttributes attrs = null;
        Special special = null;
        boolean known = false; // attrs/special describe the current stack
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NAME_MAX) throw new SysError(ENAMETOOLONG);
            boolean isLast = todo.isEmpty();
            if (c.equals(".")) { known = false; continue; }
            if (c.equals("..")) {
                if (rootDepth > 0 || (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) != 0) {
                    if (stack.size() <= rootDepth) {
                        if ((resolve & RESOLVE_BENEATH) != 0) throw new SysError(EXDEV);
                        known = false;
                        continue; // IN_ROOT: ".." of the root is the root
                    }
                }
                if (!stack.isEmpty()) stack.removeLast();
                known = false;
                continue;
            }
            stack.addLast(c);
            special = special(stack);
            attrs = special != null ? null : attrs(host(stack));
            known = true;
            if (special == null && attrs == null && stack.size() == 1 && (c.equals("dev") || c.equals("proc"))) {
                special = c.equals("dev") ? Special.DEV_DIR : Special.PROC_DIR; // not on this file system: lstar's own
            }
            if ((resolve & RESOLVE_NO_XDEV) != 0 && (special != null || attrs != null) && devOf(stack, special) != startDev) {
                throw new SysError(EXDEV);
            }
            boolean symlink = special != null ? special.isLink() : attrs != null && attrs.isSymbolicLink();
            if (symlink && (!isLast || follow || trailing)) {
                if ((resolve & RESOLVE_NO_SYMLINKS) != 0) throw new SysError(ELOOP);
                if (special != null && special.isMagicLink() && (resolve & RESOLVE_NO_MAGICLINKS) != 0) throw new SysError(ELOOP);
                if (++links > MAXSYMLINKS) throw new SysError(ELOOP);
                if (special == Special.PROC_FD_LINK && !hasPath(openFd(stack))) {
                    // a magic link to a file with no name to walk (pipe, eventfd, memfd): the file itself
                    if (!isLast) throw new SysError(ENOTDIR);
                    special = Special.PROC_FD_OBJECT;
                    continue;
                }
                String target = special != null ? linkTarget(special, stack) : readLinkRaw(host(stack));
                if (target.isEmpty()) throw new SysError(ENOENT);
                stack.removeLast();
                if (target.startsWith("/")) {
                    if ((resolve & RESOLVE_BENEATH) != 0) throw new SysError(EXDEV);
                    stack.clear();
                    if ((resolve & RESOLVE_IN_ROOT) != 0) stack.addAll(scope);
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) if (!parts[i].isEmpty()) todo.addFirst(parts[i]);
                known = false;
                continue;
            }
            if (!isLast) {
                if (attrs == null && special == null || special == Special.PROC_MISSING) throw new SysError(ENOENT);
                boolean dir = special != null ? special.isDir() : attrs.isDirectory();
                if (!dir) throw new SysError(ENOTDIR);
            }
        }
        if (!known) { // ended on ".", ".." or a followed link to a directory path: the stack is a directory
            special = special(stack);
            if (special == null) {
                attrs = attrs(host(stack));
                if (attrs == null && stack.size() == 1 && (stack.peekFirst().equals("dev") || stack.peekFirst().equals("proc"))) {
                    special = stack.peekFirst().equals("dev") ? Special.DEV_DIR : Special.PROC_DIR;
                }
                if (attrs == null && special == null) throw new SysError(ENOENT);
            } else if (special == Special.PROC_MISSING) {
                throw new SysError(ENOENT);
            }
        }
        String guest = "/" + String.join("/", stack);
        Lookup l = new Lookup(guest, host(stack), attrs, special, last, trailing);
        if (checkTrailing && trailing && l.exists() && !l.isDir()) throw new SysError(ENOTDIR);
        return l;
    }

    /** The device of a guest directory (for RESOLVE_NO_XDEV). */
    private long devOf(String guest) {
        Deque<String> stack = new ArrayDeque<>();
        for (String c : normalize(guest).split("/")) if (!c.isEmpty()) stack.addLast(c);
        Special sp = special(stack);
        if (sp == null && stack.size() == 1 && (stack.peekFirst().equals("dev") || stack.peekFirst().equals("proc")) && attrs(host(stack)) == null) {
            sp = stack.peekFirst().equals("dev") ? Special.DEV_DIR : Special.PROC_DIR;
        }
        return devOf(stack, sp);
    }

    private long devOf(Deque<String> stack, Special sp) {
        if (sp != null) return specialStat(sp).dev();
        return stat(host(stack)).dev();
    }

    private Special special(Deque<String> stack) {
        int n = stack.size();
        if (n < 2) return null;
        String[] s = stack.toArray(new String[0]);
        if (s[0].equals("dev")) {
            if (n != 2) return null;
            return switch (s[1]) {
                case "null" -> Special.DEV_NULL;
                case "zero" -> Special.DEV_ZERO;
                case "urandom", "random" -> Special.DEV_URANDOM;
                default -> null;
            };
        }
        if (s[0].equals("sys") && n == 5 && system != null && system.serves("/" + String.join("/", stack))) {
            return Special.PROC_SYSTEM; // the one CPU of /sys/devices/system/cpu/online (where the guest's /sys has the directory)
        }
        if (!s[0].equals("proc")) return null;
        String pid = Integer.toString(pid());
        if (system != null && (n == 2 || s[1].equals("sys"))) { // lstar's system-wide files, before the host's
            if (system.serves("/" + String.join("/", stack))) return Special.PROC_SYSTEM;
            if (s[1].equals("sys") && (n == 2 || n == 3 && (s[2].equals("kernel") || s[2].equals("vm"))) && attrs(host(stack)) == null) {
                return Special.PROC_SYS_DIR;
            }
        }
        if (n == 2) {
            return switch (s[1]) {
                case "self" -> Special.PROC_SELF_LINK;
                case "thread-self" -> Special.PROC_THREAD_SELF_LINK;
                // another pid: lstar does not show other processes (the host's would be a wrong answer); other names: the host's /proc
                default -> procNamed(s[1]) != null ? Special.PROC_SELF_DIR : isPid(s[1]) ? Special.PROC_MISSING : null;
            };
        }
        Proc target = procNamed(s[1]);
        if (target == null) return isPid(s[1]) ? Special.PROC_MISSING : null;
        int i = 2;
        if (s[2].equals("task")) { // /proc/PID/task/TID: each thread of the process, the same files seen from the thread
            if (n == 3) return Special.PROC_TASK_DIR;
            if (!isPid(s[3]) || target.thread(Integer.parseInt(s[3])) == null) return Special.PROC_MISSING;
            if (n == 4) return Special.PROC_SELF_DIR;
            i = 4;
            if (s[4].equals("task")) return Special.PROC_MISSING;
        }
        if (n - i == 1) {
            return switch (s[i]) {
                case "exe" -> Special.PROC_SELF_EXE;
                case "maps" -> Special.PROC_SELF_MAPS;
                case "auxv" -> Special.PROC_SELF_AUXV;
                case "cmdline" -> Special.PROC_CMDLINE;
                case "environ" -> Special.PROC_ENVIRON;
                case "comm" -> Special.PROC_COMM;
                case "stat" -> Special.PROC_STAT;
                case "statm" -> Special.PROC_STATM;
                case "status" -> Special.PROC_STATUS;
                case "cwd" -> Special.PROC_CWD;
                case "root" -> Special.PROC_ROOT;
                case "fd" -> Special.PROC_FD_DIR;
                case "fdinfo" -> Special.PROC_FDINFO_DIR;
                default -> Special.PROC_MISSING;
            };
        }
        if (n - i == 2 && (s[i].equals("fd") || s[i].equals("fdinfo")) && fdNumber(target, s[i + 1]) >= 0) {
            return s[i].equals("fd") ? Special.PROC_FD_LINK : Special.PROC_FDINFO;
        }
        return Special.PROC_MISSING;
    }

    /** Whether a /proc entry name is a pid (digits, no leading zero). */
    private static boolean isPid(String name) {
        if (name.isEmpty() || name.length() > 10 || name.charAt(0) == '0') return false;
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) < '0' || name.charAt(i) > '9') return false;
        return true;
    }

    /**
     * The process a /proc/NAME component names: the current one for its own pid, another guest
     * process's view for its pid, or null.
     */
    private Proc procNamed(String name) {
        if (name.equals(Integer.toString(pid()))) return proc;
        if (procs == null || !isPid(name)) return null;
        return procs.apply(Integer.parseInt(name));
    }

    /** The process a /proc/PID/... guest path names (the current one for anything else). */
    private Proc procOf(String guest) {
        String[] c = guest.split("/");
        Proc p = c.length > 2 && c[1].equals("proc") ? procNamed(c[2]) : null;
        if (p != null && c.length > 4 && c[3].equals("task") && isPid(c[4])) {
            Proc th = p.thread(Integer.parseInt(c[4]));
            if (th != null) return th;
        }
        return p != null ? p : proc;
    }

    private Proc procOf(Deque<String> stack) {
        return procOf("/" + String.join("/", stack));
    }

    private static FdTable fdsOf(Proc p) {
        return p != null ? p.fds() : NO_FDS;
    }

    /** The guest's pid as /proc names it. */
    public int pid() { return proc != null ? proc.pid() : 1; }

    /** The process's descriptor table (an empty one when no process is attached). */
    public FdTable fds() { return proc != null ? proc.fds() : NO_FDS; }

    private static final FdTable NO_FDS = new FdTable();

    /** An open descriptor named by a /proc/PID/fd or fdinfo entry (name_to_int: digits, no leading zero), else -1. */
    private int fdNumber(Proc target, String name) {
        if (name.isEmpty() || name.length() > 10 || name.length() > 1 && name.charAt(0) == '0') return -1;
        long v = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v <= Integer.MAX_VALUE && fdsOf(target).isOpen(v) ? (int) v : -1;
    }

    /** The descriptor number of a /proc/PID/fd/N or fdinfo/N guest path or stack (its last component). */
    public static int fdOf(String guest) {
        return Integer.parseInt(guest.substring(guest.lastIndexOf('/') + 1));
    }

    private OpenFile openFd(Deque<String> stack) {
        return fdsOf(procOf(stack)).get(Integer.parseInt(stack.peekLast()));
    }

    /** The open file that /proc/PID/fd/N (a {@link Special#PROC_FD_OBJECT} or FD_LINK lookup) refers to. */
    public OpenFile openFile(Lookup l) {
        return fdsOf(procOf(l.guest())).get(fdOf(l.guest()));
    }

    /** Whether following the fd link by its path reaches the same file (named files, directories, lstar's devices and /proc files). */
    private static boolean hasPath(OpenFile f) {
        if (f instanceof OpenFile.RegularFile r) return !r.isAnonymous();
        return f instanceof DirectoryFile || f instanceof OpenFile.DeviceFile || f instanceof OpenFile.ContentFile
                || f instanceof OpenFile.PathFile;
    }

    /** What one of lstar's links points to (proc_pid_readlink / proc_self_get_link). */
    private String linkTarget(Special s, Deque<String> stack) {
        String pid = Integer.toString(pid());
        Proc target = procOf(stack);
        return switch (s) {
            case PROC_SELF_EXE -> target != null && target.exePath() != null ? target.exePath() : exePath;
            case PROC_SELF_LINK -> pid;
            case PROC_THREAD_SELF_LINK -> pid + "/task/" + (proc != null ? proc.currentTid() : pid());
            case PROC_CWD -> target != null && target.cwd() != null ? target.cwd() : cwd;
            case PROC_ROOT -> "/"; // the guest's root, never the host path behind it
            case PROC_FD_LINK -> openFd(stack).linkName(); // "/a/b", "pipe:[ino]", "anon_inode:[eventfd]", "/memfd:x (deleted)"
            default -> throw new SysError(EINVAL);
        };
    }

    Path host(Deque<String> stack) {
        Path p = root;
        try {
            for (String c : stack) p = p.resolve(c);
        } catch (java.nio.file.InvalidPathException e) {
            throw new SysError(ENOENT);
        }
        return p;
    }

    /** The host path of a guest path made only of names (no links followed; for files lstar created itself). */
    public Path hostOf(String guest) {
        Deque<String> stack = new ArrayDeque<>();
        for (String c : normalize(guest).split("/")) if (!c.isEmpty()) stack.addLast(c);
        return host(stack);
    }

    static BasicFileAttributes attrs(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw SysError.of(e);
        }
    }

    static String readLinkRaw(Path p) {
        try {
            Path t = Files.readSymbolicLink(p);
            return t.toString().replace(t.getFileSystem().getSeparator(), "/");
        } catch (IOException e) {
            throw SysError.of(e);
        }
    }

    /** readlink: the link's target as stored. EINVAL if it is not a symbolic link. */
    public String readLink(Lookup l) {
        if (!l.exists()) throw new SysError(ENOENT);
        if (l.special != null && l.special.isLink()) {
            Deque<String> stack = new ArrayDeque<>();
            for (String c : l.guest().split("/")) if (!c.isEmpty()) stack.addLast(c);
            return linkTarget(l.special, stack);
        }
        if (!l.isSymlink()) throw new SysError(EINVAL);
        return readLinkRaw(l.host());
    }

    // ------------------------------------------------------------------ attributes

    /** The attributes of a looked-up file (not followed: a link's own). */
    public Stat stat(Lookup l) {
        if (!l.exists()) throw new SysError(ENOENT);
        if (l.special == Special.PROC_FD_OBJECT) return openFile(l).stat(this);
        if (l.special == Special.PROC_FD_LINK || l.special == Special.PROC_FDINFO) return fdEntryStat(l.special, l.guest());
        if (l.special == Special.PROC_SYSTEM) return systemStat(l.guest());
        if (l.special != null) return specialStat(l.special);
        return stat(l.host());
    }

    /** The attributes of a host path (not followed). */
    public Stat stat(Path p) {
        try {
            if (p.getFileSystem().supportedFileAttributeViews().contains("unix")) {
                Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
                long size = ((Number) a.get("size")).longValue();
                int mode = ((Number) a.get("mode")).intValue();
                if ((mode & Stat.S_IFMT) == 0) { // a file system that keeps only the permission bits there (Jimfs)
                    BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
                    mode |= b.isDirectory() ? Stat.S_IFDIR : b.isSymbolicLink() ? Stat.S_IFLNK : b.isRegularFile() ? Stat.S_IFREG : Stat.S_IFCHR;
                }
                FileTime at = (FileTime) a.get("lastAccessTime"), mt = (FileTime) a.get("lastModifiedTime"),
                        ct = (FileTime) a.get("ctime"), bt = (FileTime) a.get("creationTime");
                if ((mode & Stat.S_IFMT) == Stat.S_IFLNK && size == 0) size = readLinkRaw(p).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                long[] blocks = hostFs ? HostStat.blocks(p) : null;
                long blksize = blocks != null ? blocks[0] : 4096, nblocks = blocks != null ? blocks[1] : (size + 4095) / 4096 * 8;
                long dev = ((Number) a.get("dev")).longValue();
                boolean birth = hostFs && bt != null && !bt.equals(mt);
                return new Stat(dev, ((Number) a.get("ino")).longValue(), mode,
                        ((Number) a.get("nlink")).longValue(), ((Number) a.get("uid")).intValue(), ((Number) a.get("gid")).intValue(),
                        ((Number) a.get("rdev")).longValue(), size, blksize, nblocks,
                        sec(at), nsec(at), sec(mt), nsec(mt), sec(ct), nsec(ct), bt == null ? 0 : sec(bt), bt == null ? 0 : nsec(bt), birth);
            }
            // a file system without the unix view: synthesize consistent values
            BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            int type = b.isDirectory() ? Stat.S_IFDIR : b.isSymbolicLink() ? Stat.S_IFLNK : b.isRegularFile() ? Stat.S_IFREG : Stat.S_IFCHR;
            int perm = b.isSymbolicLink() ? 0777 : b.isDirectory() ? 0755 : 0644;
            try {
                perm = permBits(Files.getPosixFilePermissions(p, NOFOLLOW));
            } catch (UnsupportedOperationException ignored) {
                // keep the default
            }
            Object key = b.fileKey();
            long ino = key != null ? key.hashCode() & 0xFFFF_FFFFL : p.toAbsolutePath().hashCode() & 0xFFFF_FFFFL;
            FileTime at = b.lastAccessTime(), mt = b.lastModifiedTime(), bt = b.creationTime();
            return new Stat(Stat.makedev(0, 42), ino, type | perm, b.isDirectory() ? 2 : 1, 0, 0, 0, b.size(), 4096, (b.size() + 4095) / 4096 * 8,
                    sec(at), nsec(at), sec(mt), nsec(mt), sec(mt), nsec(mt), sec(bt), nsec(bt), true);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SysError(ENOENT);
        } catch (IOException e) {
            throw SysError.of(e);
        }
    }

    static long sec(FileTime t) {
        return Math.floorDiv(t.to(java.util.concurrent.TimeUnit.NANOSECONDS), 1_000_000_000L);
    }

    static int nsec(FileTime t) {
        return (int) Math.floorMod(t.to(java.util.concurrent.TimeUnit.NANOSECONDS), 1_000_000_000L);
    }

    private final long bootSec = System.currentTimeMillis() / 1000;

    /**
     * lstar's own files: character devices 1:3, 1:5, 1:9 (mode 0666), and /proc's: directories
     * (0555; /proc/PID/fd 0500), generated files (0444; environ and auxv 0400; comm 0644) and
     * links (0777), owned by the process's user except /proc itself and its self links.
     */
    public Stat specialStat(Special s) {
        return switch (s) {
            case DEV_NULL -> dev(3);
            case DEV_ZERO -> dev(5);
            case DEV_URANDOM -> dev(9);
            case PROC_SELF_MAPS, PROC_SELF_AUXV, PROC_CMDLINE, PROC_ENVIRON, PROC_COMM, PROC_STAT, PROC_STATM, PROC_STATUS ->
                    proc(0x7000 + 10 + s.ordinal(), Stat.S_IFREG | (s == Special.PROC_SELF_AUXV || s == Special.PROC_ENVIRON ? 0400
                            : s == Special.PROC_COMM ? 0644 : 0444), uid(), gid(), 0);
            case PROC_SELF_EXE, PROC_CWD, PROC_ROOT -> proc(0x7000 + 10 + s.ordinal(), Stat.S_IFLNK | 0777, uid(), gid(), 0);
            case PROC_SYSTEM -> proc(0x7000 + 10 + s.ordinal(), Stat.S_IFREG | 0444, 0, 0, 0); // see systemStat for the path's own
            case PROC_SELF_LINK, PROC_THREAD_SELF_LINK -> proc(0x7000 + 10 + s.ordinal(), Stat.S_IFLNK | 0777, 0, 0, 0);
            case PROC_SELF_DIR, PROC_TASK_DIR, PROC_FDINFO_DIR, PROC_FD_DIR ->
                    new Stat(Stat.makedev(0, 22), 0x7000 + s.ordinal(), Stat.S_IFDIR | (s == Special.PROC_FD_DIR ? 0500 : 0555), 2,
                            uid(), gid(), 0, s == Special.PROC_FD_DIR ? openCount() : 0, 1024, 0, bootSec, 0, bootSec, 0, bootSec, 0, 0, 0, false);
            case PROC_FD_LINK, PROC_FDINFO, PROC_FD_OBJECT, PROC_MISSING -> throw new SysError(ENOENT); // see fdEntryStat
            default -> new Stat(Stat.makedev(0, s == Special.DEV_DIR ? 5 : 22), 0x7000 + s.ordinal(), Stat.S_IFDIR | 0555, 2, 0, 0, 0, 0,
                    4096, 0, bootSec, 0, bootSec, 0, bootSec, 0, 0, 0, false);
        };
    }

    /**
     * A system-wide /proc file: root's, 0444 (the sysctls under /proc/sys 0644: only root may
     * write them, and lstar's are read-only even for root), size 0, its own inode.
     */
    public Stat systemStat(String guest) {
        boolean sys = guest.startsWith("/proc/sys/");
        return proc(0xA000_0000L + (guest.hashCode() & 0xFFFF_FFFL), Stat.S_IFREG | (sys ? 0644 : 0444), 0, 0, 0);
    }

    /**
     * /proc/PID/fd/N (a link whose permission bits are the open file's access: r-x, -wx or rwx for
     * the owner, size 64 as proc_fd_getattr... reports) and /proc/PID/fdinfo/N (0444).
     */
    public Stat fdEntryStat(Special s, String guest) {
        return fdEntryStat(s, fdOf(guest), fdsOf(procOf(guest)));
    }

    private Stat fdEntryStat(Special s, int fd, FdTable fds) {
        if (s == Special.PROC_FDINFO) return proc(0x9000_0000L + fd, Stat.S_IFREG | 0444, uid(), gid(), 0);
        OpenFile f = fds.get(fd);
        int perm = (f.readable() ? 0500 : 0) | (f.writable() ? 0300 : 0);
        return proc(0x8000_0000L + fd, Stat.S_IFLNK | perm, uid(), gid(), 64);
    }

    /** proc_fd_getattr (since 6.2): /proc/PID/fd's size is the number of open descriptors. */
    private long openCount() {
        FdTable t = fds();
        long n = 0;
        for (int fd = 0; fd < t.size(); fd++) if (t.isOpen(fd)) n++;
        return n;
    }

    private Stat proc(long ino, int mode, int uid, int gid, long size) {
        return new Stat(Stat.makedev(0, 22), ino, mode, 1, uid, gid, 0, size, 1024, 0, bootSec, 0, bootSec, 0, bootSec, 0, 0, 0, false);
    }

    /** The entries of one of lstar's /proc directories (after "." and ".."). */
    List<DirectoryFile.Entry> procEntries(Lookup l) {
        Special dir = l.special();
        List<DirectoryFile.Entry> list = new ArrayList<>();
        String pid = Integer.toString(pid());
        switch (dir) {
            case PROC_DIR -> {
                list.add(entry(specialStat(Special.PROC_SELF_LINK), "self"));
                list.add(entry(specialStat(Special.PROC_THREAD_SELF_LINK), "thread-self"));
                int[] all = pids != null ? pids.get() : new int[] {pid()};
                for (int p : all) list.add(entry(specialStat(Special.PROC_SELF_DIR), Integer.toString(p)));
                if (system != null) { // the system-wide files and /proc/sys
                    for (String n : new String[] {"cpuinfo", "loadavg", "meminfo", "stat", "uptime", "version"}) {
                        if (system.serves("/proc/" + n)) list.add(entry(systemStat("/proc/" + n), n));
                    }
                    list.add(entry(specialStat(Special.PROC_SYS_DIR), "sys"));
                }
            }
            case PROC_TASK_DIR -> {
                Proc target = procOf(l.guest());
                for (int tid : target != null ? target.tids() : new int[] {pid()}) {
                    list.add(entry(specialStat(Special.PROC_SELF_DIR), Integer.toString(tid)));
                }
            }
            case PROC_SELF_DIR -> {
                Object[][] names = {{"auxv", Special.PROC_SELF_AUXV}, {"cmdline", Special.PROC_CMDLINE}, {"comm", Special.PROC_COMM},
                    {"cwd", Special.PROC_CWD}, {"environ", Special.PROC_ENVIRON}, {"exe", Special.PROC_SELF_EXE}, {"fd", Special.PROC_FD_DIR},
                    {"fdinfo", Special.PROC_FDINFO_DIR}, {"maps", Special.PROC_SELF_MAPS}, {"root", Special.PROC_ROOT},
                    {"stat", Special.PROC_STAT}, {"statm", Special.PROC_STATM}, {"status", Special.PROC_STATUS}, {"task", Special.PROC_TASK_DIR}};
                for (Object[] e : names) list.add(entry(specialStat((Special) e[1]), (String) e[0]));
            }
            case PROC_SYS_DIR -> {
                String g = l.guest();
                if (g.equals("/proc/sys")) {
                    for (String d : new String[] {"kernel", "vm"}) list.add(entry(specialStat(Special.PROC_SYS_DIR), d));
                } else if (system != null) {
                    String rel = g + "/";
                    String[] names = g.endsWith("/kernel") ? new String[] {"hostname", "osrelease", "ostype", "pid_max", "randomize_va_space"}
                            : new String[] {"mmap_min_addr", "mmap_rnd_bits", "overcommit_memory"};
                    for (String n : names) if (system.serves(rel + n)) list.add(entry(systemStat(g + "/" + n), n));
                }
            }
            case PROC_FD_DIR, PROC_FDINFO_DIR -> {
                FdTable t = fdsOf(procOf(l.guest()));
                Special kind = dir == Special.PROC_FD_DIR ? Special.PROC_FD_LINK : Special.PROC_FDINFO;
                for (int fd = 0; fd < t.size(); fd++) if (t.isOpen(fd)) list.add(entry(fdEntryStat(kind, fd, t), Integer.toString(fd)));
            }
            default -> { }
        }
        return list;
    }

    private static DirectoryFile.Entry entry(Stat st, String name) {
        int type = switch (st.type()) {
            case Stat.S_IFDIR -> DirectoryFile.DT_DIR;
            case Stat.S_IFLNK -> DirectoryFile.DT_LNK;
            default -> DirectoryFile.DT_REG;
        };
        return new DirectoryFile.Entry(st.ino(), type, name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The process (or thread, under task/TID) a /proc/PID file describes; null if there is none. */
    public Proc procFor(Lookup l) {
        return procOf(l.guest());
    }

    /** The bytes of a generated /proc file at open. */
    public byte[] procContent(Lookup l) {
        if (l.special() == Special.PROC_SYSTEM) return system != null ? system.content(l.guest()) : new byte[0];
        Proc p = procOf(l.guest());
        if (p == null) return new byte[0];
        return p.content(l.special(), l.special() == Special.PROC_FDINFO ? fdOf(l.guest()) : -1);
    }

    private Stat dev(int minor) {
        return new Stat(Stat.makedev(0, 5), 0x6000 + minor, Stat.S_IFCHR | 0666, 1, 0, 0, Stat.makedev(1, minor), 0, 4096, 0,
                bootSec, 0, bootSec, 0, bootSec, 0, 0, 0, false);
    }

    private static int uid() { return (int) Ids.uid(); }
    private static int gid() { return (int) Ids.gid(); }

    static int permBits(Set<PosixFilePermission> s) {
        int m = 0;
        for (PosixFilePermission p : s) m |= 1 << (8 - p.ordinal());
        return m;
    }

    /** chmod: the permission bits (and, where the file system keeps them, set-id and sticky bits). */
    public void setMode(Path p, int mode) {
        try {
            if (p.getFileSystem().supportedFileAttributeViews().contains("unix") && hostFs) {
                Files.setAttribute(p, "unix:mode", mode & 07777);
                return;
            }
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission x : PosixFilePermission.values()) if ((mode & (1 << (8 - x.ordinal()))) != 0) perms.add(x);
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            // no permissions on this file system: chmod succeeds and changes nothing, as on FAT
        } catch (IOException e) {
            throw SysError.of(e);
        }
    }

    /** The guest's file-system access check (access/faccessat): F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4. */
    public boolean mayAccess(Lookup l, int mode) {
        if (mode == 0 || l.special != null) return true;
        if (hostFs) {
            // the host's own access(2) rules for the invoking user (ACLs, read-only mounts included)
            Path p = l.host();
            return ((mode & 4) == 0 || Files.isReadable(p)) && ((mode & 2) == 0 || Files.isWritable(p))
                    && ((mode & 1) == 0 || Files.isExecutable(p));
        }
        Stat st = stat(l);
        int m = st.mode();
        if (Ids.uid() == 0) return (mode & 1) == 0 || (m & 0111) != 0 || st.isDir();
        int bits = st.uid() == Ids.uid() ? (m >> 6) & 7 : st.gid() == Ids.gid() ? (m >> 3) & 7 : m & 7;
        return (bits & mode) == mode;
    }
}
