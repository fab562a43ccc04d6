package dev.lstar.kernel;

import static dev.lstar.kernel.vfs.OpenFile.*;


/** strace's rendering of system-call arguments: paths as strings, open flags and modes symbolically. */
final class StraceFormat {
    private StraceFormat() {}

    static String arg(char kind, long v, FileSyscalls files) {
        return switch (kind) {
            case 'd' -> (int) v == FileSyscalls.AT_FDCWD ? "AT_FDCWD" : Integer.toString((int) v);
            case 's' -> string(v, files);
            case 'O' -> openFlags((int) v);
            case 'o' -> ((int) v & 07777) == 0 ? "000" : "0" + Integer.toOctalString((int) v & 07777);
            case 'a' -> atFlags((int) v);
            case 'w' -> switch ((int) v) {
                case 0 -> "SEEK_SET"; case 1 -> "SEEK_CUR"; case 2 -> "SEEK_END"; case 3 -> "SEEK_DATA"; case 4 -> "SEEK_HOLE";
                default -> Integer.toString((int) v);
            };
            case 'p' -> v == 0 ? "NULL" : "0x" + Long.toHexString(v);
            case 'u' -> Long.toUnsignedString(v);
            case 'i' -> Integer.toString((int) v); // a C int: the register's low half, signed
            case 'x' -> "0x" + Long.toHexString(v);
            case 'P' -> prot((int) v);
            case 'M' -> mapFlags((int) v);
            case 'S' -> signal((int) v);
            case 'H' -> switch ((int) v) {
                case 0 -> "SIG_BLOCK"; case 1 -> "SIG_UNBLOCK"; case 2 -> "SIG_SETMASK";
                default -> Integer.toString((int) v);
            };
            case 'C' -> cloneFlags(v);
            case 'W' -> bits((int) v, new Object[][] {{1, "WNOHANG"}, {2, "WUNTRACED"}, {4, "WEXITED"}, {8, "WCONTINUED"},
                {0x0100_0000, "WNOWAIT"}, {0x2000_0000, "__WNOTHREAD"}, {0x4000_0000, "__WALL"}, {0x8000_0000, "__WCLONE"}});
            default -> v >= -4096 && v < 65536 ? Long.toString(v) : "0x" + Long.toHexString(v);
        };
    }

    /** mmap/mprotect's prot: PROT_NONE or PROT_READ|PROT_WRITE|PROT_EXEC (and what is left, in hex). */
    static String prot(int p) {
        return p == 0 ? "PROT_NONE" : bits(p, new Object[][] {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"},
            {0x0100_0000, "PROT_GROWSDOWN"}, {0x0200_0000, "PROT_GROWSUP"}});
    }

    /** mmap's flags: the mapping type, then the flag bits, as strace prints them. */
    static String mapFlags(int f) {
        String type = switch (f & 3) {
            case 1 -> "MAP_SHARED"; case 2 -> "MAP_PRIVATE"; case 3 -> "MAP_SHARED_VALIDATE"; default -> "0";
        };
        int rest = f & ~3;
        if (rest == 0) return type;
        return type + "|" + bits(rest, new Object[][] {{0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x40, "MAP_32BIT"},
            {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"},
            {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"}, {0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"},
            {0x40000, "MAP_HUGETLB"}, {0x80000, "MAP_SYNC"}, {0x100000, "MAP_FIXED_NOREPLACE"}});
    }

    /** A signal number by name (SIGINT), as strace prints kill's and rt_sigaction's. */
    static String signal(int n) {
        return n >= 1 && n <= Signal.NSIG ? Signal.of(n).toString() : Integer.toString(n);
    }

    /** clone's flags: the CLONE_* bits, then the exit signal's name. */
    static String cloneFlags(long f) {
        int sig = (int) (f & 0xFF);
        long rest = f & ~0xFFL;
        StringBuilder sb = new StringBuilder();
        String[] names = {"CLONE_VM", "CLONE_FS", "CLONE_FILES", "CLONE_SIGHAND", "CLONE_PIDFD", "CLONE_PTRACE", "CLONE_VFORK",
            "CLONE_PARENT", "CLONE_THREAD", "CLONE_NEWNS", "CLONE_SYSVSEM", "CLONE_SETTLS", "CLONE_PARENT_SETTID",
            "CLONE_CHILD_CLEARTID", "CLONE_DETACHED", "CLONE_UNTRACED", "CLONE_CHILD_SETTID", "CLONE_NEWCGROUP",
            "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_IO"};
        for (int i = 0; i < names.length; i++) {
            long bit = 0x100L << i;
            if ((rest & bit) != 0) {
                if (sb.length() > 0) sb.append('|');
                sb.append(names[i]);
                rest &= ~bit;
            }
        }
        if (rest != 0) sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Long.toHexString(rest));
        if (sig != 0) sb.append(sb.length() > 0 ? "|" : "").append(signal(sig));
        return sb.length() == 0 ? "0" : sb.toString();
    }

    /** The named bits of {@code v} joined with '|', then what no name covers (in hex); "0" for none. */
    private static String bits(int v, Object[][] names) {
        if (v == 0) return "0";
        StringBuilder sb = new StringBuilder();
        int rest = v;
        for (Object[] n : names) {
            int bit = (Integer) n[0];
            if ((rest & bit) == bit) {
                if (sb.length() > 0) sb.append('|');
                sb.append(n[1]);
                rest &= ~bit;
            }
        }
        if (rest != 0) sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(rest));
        return sb.toString();
    }

    static String string(long addr, FileSyscalls files) {
        if (addr == 0) return "NULL";
        byte[] b = files.userString(addr, 4096);
        if (b == null) return "0x" + Long.toHexString(addr);
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xFF;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7F) sb.append(String.format("\\%o", c));
                    else sb.append((char) c);
                }
            }
        }
        return sb.append('"').toString();
    }

    static String openFlags(int f) {
        StringBuilder sb = new StringBuilder(switch (f & O_ACCMODE) {
            case O_RDONLY -> "O_RDONLY"; case O_WRONLY -> "O_WRONLY"; case O_RDWR -> "O_RDWR"; default -> "O_ACCMODE";
        });
        int rest = f & ~O_ACCMODE;
        Object[][] names = {{O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_NOCTTY, "O_NOCTTY"}, {O_TRUNC, "O_TRUNC"},
            {O_APPEND, "O_APPEND"}, {O_NONBLOCK, "O_NONBLOCK"}, {__O_SYNC | O_DSYNC, "O_SYNC"}, {O_DSYNC, "O_DSYNC"},
            {FASYNC, "O_ASYNC"}, {O_DIRECT, "O_DIRECT"}, {O_LARGEFILE, "O_LARGEFILE"}, {__O_TMPFILE | O_DIRECTORY, "O_TMPFILE"},
            {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"}, {O_CLOEXEC, "O_CLOEXEC"}, {O_PATH, "O_PATH"}};
        for (Object[] n : names) {
            int bit = (Integer) n[0];
            if ((rest & bit) == bit) { sb.append('|').append(n[1]); rest &= ~bit; }
        }
        if (rest != 0) sb.append("|0").append(Integer.toOctalString(rest));
        return sb.toString();
    }

    static String atFlags(int f) {
        if (f == 0) return "0";
        StringBuilder sb = new StringBuilder();
        Object[][] names = {{FileSyscalls.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {FileSyscalls.AT_REMOVEDIR, "AT_REMOVEDIR"},
            {FileSyscalls.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"}, {FileSyscalls.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
            {FileSyscalls.AT_EMPTY_PATH, "AT_EMPTY_PATH"}};
        int rest = f;
        for (Object[] n : names) {
            int bit = (Integer) n[0];
            if ((rest & bit) != 0) { sb.append(sb.isEmpty() ? "" : "|").append(n[1]); rest &= ~bit; }
        }
        if (rest != 0) sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        return sb.toString();
    }
}
