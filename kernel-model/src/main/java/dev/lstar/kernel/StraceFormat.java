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
            case 'A' -> (int) v == 0 ? "F_OK" : bits((int) v, new Object[][] {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}});
            case 'e' -> bits((int) v, new Object[][] {{FileSyscalls.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {0x200, "AT_EACCESS"},
                {FileSyscalls.AT_EMPTY_PATH, "AT_EMPTY_PATH"}});
            case 'T' -> statxFlags((int) v);
            case 'm' -> statxMask((int) v);
            case 'c' -> (int) v == 0 ? "0" : openFlags((int) v).replaceFirst("^O_RDONLY\\|", "");
            case 'F' -> named((int) v, FCNTL, "F_");
            case 'I' -> ioctlName((int) v);
            case 'R' -> named((int) v, PRCTL, "PR_");
            case 'V' -> named((int) v, MADVISE, "MADV_");
            case 'K' -> named((int) v, CLOCKS, "CLOCK_");
            case 'L' -> named((int) v, RLIMITS, "RLIMIT_");
            case 'E' -> bits((int) v, new Object[][] {{02000000, "EFD_CLOEXEC"}, {04000, "EFD_NONBLOCK"}, {1, "EFD_SEMAPHORE"}});
            case 'D' -> bits((int) v, new Object[][] {{1, "MFD_CLOEXEC"}, {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"},
                {8, "MFD_NOEXEC_SEAL"}, {0x10, "MFD_EXEC"}});
            case 'G' -> bits((int) v, new Object[][] {{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}});
            case 'N' -> bits((int) v, new Object[][] {{1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}});
            case 'Q' -> bits((int) v, new Object[][] {{2, "CLOSE_RANGE_UNSHARE"}, {4, "CLOSE_RANGE_CLOEXEC"}});
            case 'k' -> bits((int) v, new Object[][] {{1, "LOCK_SH"}, {2, "LOCK_EX"}, {4, "LOCK_NB"}, {8, "LOCK_UN"}});
            case 'Y' -> named((int) v, new String[] {"ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF"}, "ITIMER_");
            case 'Z' -> switch ((int) v) {
                case 0x1001 -> "ARCH_SET_GS"; case 0x1002 -> "ARCH_SET_FS"; case 0x1003 -> "ARCH_GET_FS"; case 0x1004 -> "ARCH_GET_GS";
                case 0x1011 -> "ARCH_GET_CPUID"; case 0x1012 -> "ARCH_SET_CPUID"; case 0x1021 -> "ARCH_GET_XCOMP_SUPP";
                case 0x1022 -> "ARCH_GET_XCOMP_PERM"; case 0x1023 -> "ARCH_REQ_XCOMP_PERM"; case 0x1024 -> "ARCH_GET_XCOMP_GUEST_PERM";
                case 0x1025 -> "ARCH_REQ_XCOMP_GUEST_PERM"; case 0x2001 -> "ARCH_MAP_VDSO_X32"; case 0x2002 -> "ARCH_MAP_VDSO_32";
                case 0x2003 -> "ARCH_MAP_VDSO_64";
                default -> unknown((int) v, "ARCH_");
            };
            case 'v' -> named((int) v, new String[] {"POSIX_FADV_NORMAL", "POSIX_FADV_RANDOM", "POSIX_FADV_SEQUENTIAL",
                "POSIX_FADV_WILLNEED", "POSIX_FADV_DONTNEED", "POSIX_FADV_NOREUSE"}, "POSIX_FADV_");
            case 'y' -> bits((int) v, new Object[][] {{1, "MS_ASYNC"}, {2, "MS_INVALIDATE"}, {4, "MS_SYNC"}});
            case 'r' -> bits((int) v, new Object[][] {{1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}});
            case 't' -> bits((int) v, new Object[][] {{1, "TIMER_ABSTIME"}});
            case 'l' -> bits((int) v, new Object[][] {{1, "FALLOC_FL_KEEP_SIZE"}, {2, "FALLOC_FL_PUNCH_HOLE"},
                {4, "FALLOC_FL_NO_HIDE_STALE"}, {8, "FALLOC_FL_COLLAPSE_RANGE"}, {0x10, "FALLOC_FL_ZERO_RANGE"},
                {0x20, "FALLOC_FL_INSERT_RANGE"}, {0x40, "FALLOC_FL_UNSHARE_RANGE"}});
            default -> v >= -4096 && v < 65536 ? Long.toString(v) : "0x" + Long.toHexString(v);
        };
    }

    /**
     * The argument list of a call whose arguments {@code kinds} describe, as strace prints it:
     * arguments that do not count for the call's operation are left out (an open's mode without
     * O_CREAT/O_TMPFILE, fcntl's argument for F_GETFD/F_GETFL, ioctl's for FIOCLEX, mremap's new
     * address without MREMAP_FIXED, the unused ones of futex and prctl operations).
     */
    static String args(String kinds, int nargs, long[] a, FileSyscalls files) {
        StringBuilder sb = new StringBuilder();
        if (kinds != null && kinds.startsWith("pX")) return futexArgs(a, files);
        if (kinds != null && kinds.startsWith("R")) return prctlArgs(a, files);
        for (int i = 0; i < nargs; i++) {
            char kind = kinds == null ? 'n' : kinds.charAt(i);
            char before = i > 0 && kinds != null ? kinds.charAt(i - 1) : 0;
            if (kind == 'o' && before == 'O' && (a[i - 1] & (0100 | 020000000)) == 0) continue;
            if (before == 'r' && (a[i - 1] & 2) == 0) continue; // mremap: the new address counts only with MREMAP_FIXED
            String text;
            if (kind == 'f') { // fcntl's argument, by its command
                int cmd = (int) a[i - 1];
                text = switch (cmd) {
                    case F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS -> null;
                    case F_SETFD -> ((int) a[i] & ~1) == 0 ? ((int) a[i] == 1 ? "FD_CLOEXEC" : "0") : "0x" + Integer.toHexString((int) a[i]);
                    case F_SETFL -> openFlags((int) a[i]);
                    case F_DUPFD, F_DUPFD_CLOEXEC, F_SETOWN, F_SETSIG, F_SETPIPE_SZ -> Integer.toString((int) a[i]);
                    default -> arg('p', a[i], files);
                };
                if (text == null) continue;
            } else if (kind == 'x' && before == 'I' && noArgIoctl((int) a[i - 1])) {
                continue;
            } else {
                text = arg(kind, a[i], files);
            }
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(text);
        }
        return sb.toString();
    }

    /** What strace adds to a return value: fcntl's F_GETFD/F_GETFL flags, umask's octal; null for a plain number. */
    static String ret(String name, long[] a, long ret) {
        if (ret < 0) return null;
        if (name.equals("umask")) return ret == 0 ? "000" : "0" + Long.toOctalString(ret);
        if (name.equals("prctl") && (int) a[0] == 3 && ret <= 2) { // PR_GET_DUMPABLE
            return ret + (ret == 0 ? " (SUID_DUMP_DISABLE)" : ret == 1 ? " (SUID_DUMP_USER)" : " (SUID_DUMP_ROOT)");
        }
        if (name.equals("fcntl") && ret > 0) {
            if ((int) a[1] == F_GETFD) return "0x" + Long.toHexString(ret) + " (flags " + (ret == 1 ? "FD_CLOEXEC" : "0x" + Long.toHexString(ret)) + ")";
            if ((int) a[1] == F_GETFL) return "0x" + Long.toHexString(ret) + " (flags " + openFlags((int) ret) + ")";
        }
        return null;
    }

    // include/uapi/asm-generic/fcntl.h and linux/fcntl.h
    static final int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10,
            F_GETSIG = 11, F_SETLEASE = 1024, F_GETLEASE = 1025, F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032,
            F_GET_SEALS = 1034;
    private static final String[] FCNTL = new String[1040];
    static {
        String[] low = {"F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK", "F_SETLKW", "F_SETOWN", "F_GETOWN",
            "F_SETSIG", "F_GETSIG", null, null, null, "F_SETOWN_EX", "F_GETOWN_EX", "F_GETOWNER_UIDS"};
        System.arraycopy(low, 0, FCNTL, 0, low.length);
        FCNTL[36] = "F_OFD_GETLK";
        FCNTL[37] = "F_OFD_SETLK";
        FCNTL[38] = "F_OFD_SETLKW";
        String[] high = {"F_SETLEASE", "F_GETLEASE", "F_NOTIFY", null, null, null, "F_DUPFD_CLOEXEC", "F_SETPIPE_SZ", "F_GETPIPE_SZ",
            "F_ADD_SEALS", "F_GET_SEALS", "F_GET_RW_HINT", "F_SET_RW_HINT", "F_GET_FILE_RW_HINT", "F_SET_FILE_RW_HINT"};
        System.arraycopy(high, 0, FCNTL, 1024, high.length);
    }

    // include/uapi/linux/prctl.h
    private static final String[] PRCTL = new String[67];
    static {
        String[] n = {null, "PR_SET_PDEATHSIG", "PR_GET_PDEATHSIG", "PR_GET_DUMPABLE", "PR_SET_DUMPABLE", "PR_GET_UNALIGN",
            "PR_SET_UNALIGN", "PR_GET_KEEPCAPS", "PR_SET_KEEPCAPS", "PR_GET_FPEMU", "PR_SET_FPEMU", "PR_GET_FPEXC", "PR_SET_FPEXC",
            "PR_GET_TIMING", "PR_SET_TIMING", "PR_SET_NAME", "PR_GET_NAME", null, null, "PR_GET_ENDIAN", "PR_SET_ENDIAN",
            "PR_GET_SECCOMP", "PR_SET_SECCOMP", "PR_CAPBSET_READ", "PR_CAPBSET_DROP", "PR_GET_TSC", "PR_SET_TSC",
            "PR_GET_SECUREBITS", "PR_SET_SECUREBITS", "PR_SET_TIMERSLACK", "PR_GET_TIMERSLACK", "PR_TASK_PERF_EVENTS_DISABLE",
            "PR_TASK_PERF_EVENTS_ENABLE", "PR_MCE_KILL", "PR_MCE_KILL_GET", "PR_SET_MM", "PR_SET_CHILD_SUBREAPER",
            "PR_GET_CHILD_SUBREAPER", "PR_SET_NO_NEW_PRIVS", "PR_GET_NO_NEW_PRIVS", "PR_GET_TID_ADDRESS", "PR_SET_THP_DISABLE",
            "PR_GET_THP_DISABLE", "PR_MPX_ENABLE_MANAGEMENT", "PR_MPX_DISABLE_MANAGEMENT", "PR_SET_FP_MODE", "PR_GET_FP_MODE",
            "PR_CAP_AMBIENT", null, null, "PR_SVE_SET_VL", "PR_SVE_GET_VL", "PR_GET_SPECULATION_CTRL", "PR_SET_SPECULATION_CTRL",
            "PR_PAC_RESET_KEYS", "PR_SET_TAGGED_ADDR_CTRL", "PR_GET_TAGGED_ADDR_CTRL", "PR_SET_IO_FLUSHER", "PR_GET_IO_FLUSHER",
            "PR_SET_SYSCALL_USER_DISPATCH", "PR_PAC_SET_ENABLED_KEYS", "PR_PAC_GET_ENABLED_KEYS", "PR_SCHED_CORE", "PR_SME_SET_VL",
            "PR_SME_GET_VL", "PR_SET_MDWE", "PR_GET_MDWE"};
        System.arraycopy(n, 0, PRCTL, 0, n.length);
    }

    // include/uapi/asm-generic/mman-common.h
    private static final String[] MADVISE = new String[102];
    static {
        String[] n = {"MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED", null, null, null, "MADV_FREE",
            "MADV_REMOVE", "MADV_DONTFORK", "MADV_DOFORK", "MADV_MERGEABLE", "MADV_UNMERGEABLE", "MADV_HUGEPAGE", "MADV_NOHUGEPAGE",
            "MADV_DONTDUMP", "MADV_DODUMP", "MADV_WIPEONFORK", "MADV_KEEPONFORK", "MADV_COLD", "MADV_PAGEOUT", "MADV_POPULATE_READ",
            "MADV_POPULATE_WRITE", "MADV_DONTNEED_LOCKED", "MADV_COLLAPSE"};
        System.arraycopy(n, 0, MADVISE, 0, n.length);
        MADVISE[100] = "MADV_HWPOISON";
        MADVISE[101] = "MADV_SOFT_OFFLINE";
    }

    // include/uapi/linux/time.h
    private static final String[] CLOCKS = {"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
        "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
        "CLOCK_BOOTTIME_ALARM", null, "CLOCK_TAI"};

    // include/uapi/asm-generic/resource.h
    private static final String[] RLIMITS = {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
        "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};

    /** {@code names[v]}, or strace's rendering of an unknown value: "0x4d /* MADV_??? *&#47;". */
    static String named(int v, String[] names, String prefix) {
        return v >= 0 && v < names.length && names[v] != null ? names[v] : unknown(v, prefix);
    }

    /** C's %#lx: "0" for zero, else 0x and hex digits. */
    static String hex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }

    private static String unknown(int v, String prefix) {
        return "0x" + Integer.toHexString(v) + " /* " + prefix + "??? */";
    }

    // include/uapi/asm-generic/ioctls.h (x86-64)
    static String ioctlName(int req) {
        return switch (req) {
            case 0x5401 -> "TCGETS"; case 0x5402 -> "TCSETS"; case 0x5403 -> "TCSETSW"; case 0x5404 -> "TCSETSF";
            case 0x5405 -> "TCGETA"; case 0x5406 -> "TCSETA"; case 0x5407 -> "TCSETAW"; case 0x5408 -> "TCSETAF";
            case 0x5409 -> "TCSBRK"; case 0x540A -> "TCXONC"; case 0x540B -> "TCFLSH"; case 0x540C -> "TIOCEXCL";
            case 0x540D -> "TIOCNXCL"; case 0x540E -> "TIOCSCTTY"; case 0x540F -> "TIOCGPGRP"; case 0x5410 -> "TIOCSPGRP";
            case 0x5411 -> "TIOCOUTQ"; case 0x5412 -> "TIOCSTI"; case 0x5413 -> "TIOCGWINSZ"; case 0x5414 -> "TIOCSWINSZ";
            case 0x5415 -> "TIOCMGET"; case 0x5416 -> "TIOCMBIS"; case 0x5417 -> "TIOCMBIC"; case 0x5418 -> "TIOCMSET";
            case 0x5419 -> "TIOCGSOFTCAR"; case 0x541A -> "TIOCSSOFTCAR"; case 0x541B -> "FIONREAD"; case 0x541C -> "TIOCLINUX";
            case 0x541D -> "TIOCCONS"; case 0x541E -> "TIOCGSERIAL"; case 0x541F -> "TIOCSSERIAL"; case 0x5420 -> "TIOCPKT";
            case 0x5421 -> "FIONBIO"; case 0x5422 -> "TIOCNOTTY"; case 0x5423 -> "TIOCSETD"; case 0x5424 -> "TIOCGETD";
            case 0x5425 -> "TCSBRKP"; case 0x5427 -> "TIOCSBRK"; case 0x5428 -> "TIOCCBRK"; case 0x5429 -> "TIOCGSID";
            case 0x802C542A -> "TCGETS2"; case 0x402C542B -> "TCSETS2"; case 0x402C542C -> "TCSETSW2"; case 0x402C542D -> "TCSETSF2";
            case 0x80045430 -> "TIOCGPTN"; case 0x40045431 -> "TIOCSPTLCK"; case 0x80045432 -> "TIOCGDEV";
            case 0x5441 -> "TIOCGPTPEER"; case 0x5450 -> "FIONCLEX"; case 0x5451 -> "FIOCLEX"; case 0x5452 -> "FIOASYNC";
            case 0x5456 -> "TIOCSERGETLSR"; case 0x545C -> "TIOCMIWAIT"; case 0x545D -> "TIOCGICOUNT"; case 0x5460 -> "FIOQSIZE";
            default -> { // _IOC(dir, type, nr, size) as strace spells an unknown request
                String dir = switch (req >>> 30) {
                    case 0 -> "_IOC_NONE"; case 1 -> "_IOC_WRITE"; case 2 -> "_IOC_READ"; default -> "_IOC_READ|_IOC_WRITE";
                };
                yield "_IOC(" + dir + ", " + hex((req >> 8) & 0xFF) + ", " + hex(req & 0xFF) + ", " + hex((req >> 16) & 0x3FFF) + ")";
            }
        };
    }

    /** The ioctls that take no argument (strace leaves it out). */
    private static boolean noArgIoctl(int req) {
        return req == 0x5450 || req == 0x5451 || req == 0x5422 || req == 0x540C || req == 0x540D;
    }

    /** statx's flags: the sync type first (AT_STATX_SYNC_AS_STAT is 0), then the AT_* bits. */
    static String statxFlags(int f) {
        String sync = switch (f & 0x6000) {
            case 0x2000 -> "AT_STATX_FORCE_SYNC"; case 0x4000 -> "AT_STATX_DONT_SYNC"; case 0x6000 -> "AT_STATX_SYNC_TYPE";
            default -> "AT_STATX_SYNC_AS_STAT";
        };
        int rest = f & ~0x6000;
        return rest == 0 ? sync : sync + "|" + atFlags(rest);
    }

    /** statx's mask: STATX_ALL (0xfff) or STATX_BASIC_STATS (0x7ff) first, then the other bits. */
    static String statxMask(int m) {
        String head = (m & 0xFFF) == 0xFFF ? "STATX_ALL" : (m & 0x7FF) == 0x7FF ? "STATX_BASIC_STATS" : null;
        int rest = head == null ? m : m & ~(head.equals("STATX_ALL") ? 0xFFF : 0x7FF);
        String tail = rest == 0 ? null : bits(rest, new Object[][] {{1, "STATX_TYPE"}, {2, "STATX_MODE"}, {4, "STATX_NLINK"},
            {8, "STATX_UID"}, {0x10, "STATX_GID"}, {0x20, "STATX_ATIME"}, {0x40, "STATX_MTIME"}, {0x80, "STATX_CTIME"},
            {0x100, "STATX_INO"}, {0x200, "STATX_SIZE"}, {0x400, "STATX_BLOCKS"}, {0x800, "STATX_BTIME"}, {0x1000, "STATX_MNT_ID"},
            {0x2000, "STATX_DIOALIGN"}});
        if (head == null) return tail;
        return tail == null ? head : head + "|" + tail;
    }

    // include/uapi/linux/futex.h
    private static final String[] FUTEX = {"FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
        "FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI", "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET",
        "FUTEX_WAIT_REQUEUE_PI", "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2"};

    /** futex's operation: the command, _PRIVATE, |FUTEX_CLOCK_REALTIME. */
    static String futexOp(int op) {
        int cmd = op & 0x7F;
        String s = cmd < FUTEX.length ? FUTEX[cmd] + ((op & 0x80) != 0 ? "_PRIVATE" : "") : unknown(op & 0xFF, "FUTEX_");
        if ((op & 0x100) != 0) s += "|FUTEX_CLOCK_REALTIME";
        int rest = op & ~0x1FF;
        return rest == 0 ? s : s + "|0x" + Integer.toHexString(rest);
    }

    /** futex's arguments as the operation uses them. */
    private static String futexArgs(long[] a, FileSyscalls files) {
        int op = (int) a[1];
        String head = arg('p', a[0], files) + ", " + futexOp(op);
        String val = Integer.toString((int) a[2]), timeout = arg('p', a[3], files), uaddr2 = arg('p', a[4], files);
        String bitset = (int) a[5] == -1 ? "FUTEX_BITSET_MATCH_ANY" : "0x" + Integer.toHexString((int) a[5]);
        return head + switch (op & 0x7F) {
            case 0 -> ", " + val + ", " + timeout;                                      // WAIT
            case 1, 7, 8 -> (op & 0x7F) == 1 ? ", " + val : "";                          // WAKE; UNLOCK_PI, TRYLOCK_PI
            case 3 -> ", " + val + ", " + (int) a[3] + ", " + uaddr2;                    // REQUEUE
            case 4, 12 -> ", " + val + ", " + (int) a[3] + ", " + uaddr2 + ", " + (int) a[5]; // CMP_REQUEUE(_PI)
            case 6, 13 -> ", " + timeout;                                                // LOCK_PI(2)
            case 9 -> ", " + val + ", " + timeout + ", " + bitset;                       // WAIT_BITSET
            case 10 -> ", " + val + ", " + bitset;                                       // WAKE_BITSET
            case 11 -> ", " + val + ", " + timeout + ", " + uaddr2;                      // WAIT_REQUEUE_PI
            default -> ", " + val + ", " + hex(a[3]) + ", " + uaddr2 + ", " + hex(a[5] & 0xFFFF_FFFFL);
        };
    }

    /** prctl's arguments as the option uses them (unknown options: all four, in hex). */
    private static String prctlArgs(long[] a, FileSyscalls files) {
        int op = (int) a[0];
        String head = named(op, PRCTL, "PR_");
        return head + switch (op) {
            case 15 -> ", " + string(a[1], files);                                       // PR_SET_NAME
            case 1 -> ", " + signal((int) a[1]);                                         // PR_SET_PDEATHSIG
            case 2, 16, 37, 40 -> ", " + arg('p', a[1], files);                          // a pointer to the answer
            case 3, 7, 9, 11, 13, 19, 21, 27, 30, 31, 32, 34, 39, 42, 46, 58, 66 -> ""; // getters without arguments
            case 4 -> ", " + switch ((int) a[1]) {                                       // PR_SET_DUMPABLE
                case 0 -> "SUID_DUMP_DISABLE"; case 1 -> "SUID_DUMP_USER"; case 2 -> "SUID_DUMP_ROOT"; default -> hex(a[1]);
            };
            case 8, 14, 22, 23, 24, 29, 36 -> ", " + Long.toUnsignedString(a[1]);         // one number
            case 38, 41 -> ", " + a[1] + ", " + a[2] + ", " + a[3] + ", " + a[4];          // NO_NEW_PRIVS, THP_DISABLE: all checked
            default -> ", " + hex(a[1]) + ", " + hex(a[2]) + ", " + hex(a[3]) + ", " + hex(a[4]);
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
