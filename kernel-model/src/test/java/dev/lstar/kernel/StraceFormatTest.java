package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * strace's rendering of system-call arguments. The expected strings are what strace 6.x printed
 * for the same calls of a C program on Linux 6.x (only pointers left out or renumbered).
 */
class StraceFormatTest {
    @Test
    void mmapProtectionAndFlags() {
        assertEquals("PROT_READ|PROT_WRITE", StraceFormat.arg('P', 3, null));
        assertEquals("PROT_NONE", StraceFormat.arg('P', 0, null));
        assertEquals("MAP_PRIVATE|MAP_ANONYMOUS", StraceFormat.arg('M', 0x22, null));
        assertEquals("MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE", StraceFormat.arg('M', 0x812, null));
        assertEquals("MAP_SHARED|0x80000000", StraceFormat.arg('M', 0x8000_0001L, null));
    }

    @Test
    void signalsCloneFlagsAndWaitOptions() {
        assertEquals("SIGCHLD", StraceFormat.arg('S', 17, null));
        assertEquals("99", StraceFormat.arg('S', 99, null));
        assertEquals("SIG_SETMASK", StraceFormat.arg('H', 2, null));
        assertEquals("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", StraceFormat.arg('C', 0x1200011, null));
        assertEquals("CLONE_VM|CLONE_VFORK|SIGCHLD", StraceFormat.arg('C', 0x4111, null));
        assertEquals("0", StraceFormat.arg('C', 0, null));
        assertEquals("WNOHANG|__WALL", StraceFormat.arg('W', 0x4000_0001, null));
    }

    private static String call(String kinds, long... a) {
        long[] six = java.util.Arrays.copyOf(a, 6);
        return StraceFormat.args(kinds, kinds.length(), six, null);
    }

    @Test
    void fileFlagsAccessModesAndAtFlags() {
        assertEquals("AT_FDCWD", StraceFormat.arg('d', -100, null));
        assertEquals("O_RDWR|O_APPEND", StraceFormat.arg('O', 02002, null));
        assertEquals("R_OK|W_OK", StraceFormat.arg('A', 6, null));
        assertEquals("F_OK", StraceFormat.arg('A', 0, null));
        assertEquals("X_OK", StraceFormat.arg('A', 1, null));
        assertEquals("AT_SYMLINK_NOFOLLOW|AT_EACCESS", StraceFormat.arg('e', 0x300, null));
        assertEquals("AT_REMOVEDIR", StraceFormat.arg('a', 0x200, null));
        assertEquals("AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW", StraceFormat.arg('T', 0x100, null));
        assertEquals("AT_STATX_FORCE_SYNC", StraceFormat.arg('T', 0x2000, null));
        assertEquals("STATX_BASIC_STATS", StraceFormat.arg('m', 0x7ff, null));
        assertEquals("STATX_ALL", StraceFormat.arg('m', 0xfff, null));
        assertEquals("O_NONBLOCK|O_CLOEXEC", StraceFormat.arg('c', 02004000, null)); // pipe2
        assertEquals("O_CLOEXEC", StraceFormat.arg('c', 02000000, null));          // dup3
        assertEquals("SEEK_END", StraceFormat.arg('w', 2, null));
        assertEquals("RENAME_NOREPLACE", StraceFormat.arg('N', 1, null));
        assertEquals("CLOSE_RANGE_CLOEXEC", StraceFormat.arg('Q', 4, null));
        assertEquals("LOCK_EX|LOCK_NB", StraceFormat.arg('k', 6, null));
        assertEquals("FALLOC_FL_KEEP_SIZE", StraceFormat.arg('l', 1, null));
        assertEquals("POSIX_FADV_SEQUENTIAL", StraceFormat.arg('v', 2, null));
        // openat's mode only with O_CREAT
        assertEquals("AT_FDCWD, NULL, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640", call("dsOo", -100, 0, 02001101, 0640));
        assertEquals("AT_FDCWD, NULL, O_RDONLY|O_NONBLOCK|O_DIRECTORY", call("dsOo", -100, 0, 0204000, 0));
    }

    @Test
    void fcntlCommandsAndTheirArguments() {
        assertEquals("3, F_GETFD", call("dFf", 3, 1, 0x431969));
        assertEquals("3, F_SETFD, FD_CLOEXEC", call("dFf", 3, 2, 1));
        assertEquals("3, F_GETFL", call("dFf", 3, 3, 0));
        assertEquals("3, F_SETFL, O_RDONLY|O_APPEND|O_NONBLOCK", call("dFf", 3, 4, 06000));
        assertEquals("3, F_DUPFD_CLOEXEC, 10", call("dFf", 3, 1030, 10));
        assertEquals("0, F_SETLK, 0x7ffc1000", call("dFf", 0, 6, 0x7ffc1000));
        assertEquals("0, 0x3e8 /* F_??? */, 0x5", call("dFf", 0, 1000, 5));
        assertEquals("0x1 (flags FD_CLOEXEC)", StraceFormat.ret("fcntl", new long[] {3, 1, 0, 0, 0, 0}, 1));
        assertEquals("0x8001 (flags O_WRONLY|O_LARGEFILE)", StraceFormat.ret("fcntl", new long[] {3, 3, 0, 0, 0, 0}, 0x8001));
        assertEquals(null, StraceFormat.ret("fcntl", new long[] {3, 1, 0, 0, 0, 0}, 0)); // plain 0
        assertEquals("022", StraceFormat.ret("umask", new long[6], 022));
    }

    @Test
    void ioctlRequests() {
        assertEquals("0, TCGETS, 0x7fff30c7a010", call("dIx", 0, 0x5401, 0x7fff30c7a010L));
        assertEquals("0, TIOCGWINSZ, 0x7fff30c7a008", call("dIx", 0, 0x5413, 0x7fff30c7a008L));
        assertEquals("0, FIONREAD, 0x7fff30c7a050", call("dIx", 0, 0x541b, 0x7fff30c7a050L));
        assertEquals("3, FIOCLEX", call("dIx", 3, 0x5451, 0xffffffffffffffb8L));
        assertEquals("0, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0x5", call("dIx", 0, 0x1234, 5));
        assertEquals("TCGETS2", StraceFormat.arg('I', 0x802c542aL, null));
    }

    @Test
    void futexOperations() {
        assertEquals("0x1000, FUTEX_WAKE_PRIVATE, 1", call("pXuppu", 0x1000, 129, 1));
        assertEquals("0x1000, FUTEX_WAIT, 1, NULL", call("pXuppu", 0x1000, 0, 1, 0));
        assertEquals("0x1000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, FUTEX_BITSET_MATCH_ANY",
                call("pXuppu", 0x1000, 0x189, 1, 0, 0, 0xffffffffL));
        assertEquals("0x1000, FUTEX_WAKE_BITSET, 1, 0x5", call("pXuppu", 0x1000, 10, 1, 0, 0, 5));
        assertEquals("0x1000, FUTEX_REQUEUE_PRIVATE, 1, 2, 0x1000", call("pXuppu", 0x1000, 131, 1, 2, 0x1000));
        assertEquals("0x1000, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, 0x1000, 0", call("pXuppu", 0x1000, 132, 1, 2, 0x1000, 0));
        assertEquals("0x1000, FUTEX_LOCK_PI, NULL", call("pXuppu", 0x1000, 6, 0, 0));
    }

    @Test
    void prctlOptions() {
        assertEquals("PR_GET_DUMPABLE", call("Rxxxx", 3));
        assertEquals("1 (SUID_DUMP_USER)", StraceFormat.ret("prctl", new long[] {3, 0, 0, 0, 0, 0}, 1));
        assertEquals("PR_SET_PDEATHSIG, SIGTERM", call("Rxxxx", 1, 15));
        assertEquals("PR_SET_DUMPABLE, SUID_DUMP_USER", call("Rxxxx", 4, 1));
        assertEquals("PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0", call("Rxxxx", 38, 1));
        assertEquals("PR_GET_NAME, 0x7ffc1000", call("Rxxxx", 16, 0x7ffc1000));
        assertEquals("0x3e8 /* PR_??? */, 0x1, 0x2, 0x3, 0x4", call("Rxxxx", 1000, 1, 2, 3, 4));
    }

    @Test
    void memoryClocksLimitsAndOtherFlags() {
        assertEquals("0x10000, 4096, MADV_DONTNEED", call("puV", 0x10000, 4096, 4));
        assertEquals("0x10000, 4096, 0x4d /* MADV_??? */", call("puV", 0x10000, 4096, 77));
        assertEquals("0x10000, 4096, MS_SYNC", call("puy", 0x10000, 4096, 4));
        assertEquals("0x10000, 4096, 8192, MREMAP_MAYMOVE", call("puurp", 0x10000, 4096, 8192, 1, 0));
        assertEquals("0x10000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x20000", call("puurp", 0x10000, 4096, 8192, 3, 0x20000));
        assertEquals("CLOCK_MONOTONIC, 0x7ffc1000", call("Kp", 1, 0x7ffc1000));
        assertEquals("CLOCK_REALTIME_COARSE", StraceFormat.arg('K', 5, null));
        assertEquals("0xfffffffa /* CLOCK_??? */", StraceFormat.arg('K', -6, null));
        assertEquals("CLOCK_MONOTONIC, TIMER_ABSTIME, NULL, NULL", call("Ktpp", 1, 1, 0, 0));
        assertEquals("RLIMIT_NOFILE", StraceFormat.arg('L', 7, null));
        assertEquals("0, RLIMIT_STACK, NULL, 0x7ffc1000", call("iLpp", 0, 3, 0, 0x7ffc1000));
        assertEquals("3, EFD_CLOEXEC|EFD_NONBLOCK", call("uE", 3, 02004000));
        assertEquals("MFD_CLOEXEC|MFD_ALLOW_SEALING", StraceFormat.arg('D', 3, null));
        assertEquals("GRND_NONBLOCK", StraceFormat.arg('G', 1, null));
        assertEquals("ITIMER_REAL, NULL, NULL", call("Ypp", 0, 0, 0));
        assertEquals("ARCH_SET_FS, 0x4ad380", call("Zp", 0x1002, 0x4ad380));
        assertEquals("0x4adca0, 0x20, 0, 0x53053053", call("pxix", 0x4adca0, 0x20, 0, 0x53053053));
    }
}
