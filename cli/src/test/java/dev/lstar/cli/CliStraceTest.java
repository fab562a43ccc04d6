package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --strace} prints what strace prints: {@code strace.c} (built with gcc -static at test
 * time) makes calls whose arguments strace shows symbolically — open flags and modes, access
 * modes, AT_* flags, fcntl commands and their arguments, ioctl requests, prctl options, the flags
 * of pipe2/dup3/eventfd2/memfd_create/flock/renameat2/close_range/msync/mremap/fallocate, madvise
 * and fadvise advice, itimers, statx's flags and mask — and each line below is the one strace 6.1
 * printed for it on Linux (lines with pointers to filled-in structs, random bytes or the inherited
 * umask left out; strace's column padding removed). strace itself is not needed to run the test.
 */
class CliStraceTest {
    @TempDir
    static Path tmp;

    static final List<String> STRACE_LINES = List.of(
            "openat(AT_FDCWD, \"f\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640) = 3",
            "openat(AT_FDCWD, \"f\", O_RDONLY|O_NONBLOCK|O_DIRECTORY) = -1 ENOTDIR (Not a directory)",
            "open(\"f\", O_RDWR|O_APPEND) = 4",
            "access(\"f\", R_OK|W_OK) = 0",
            "access(\"f\", F_OK) = 0",
            "faccessat(AT_FDCWD, \"f\", X_OK) = -1 EACCES (Permission denied)",
            "faccessat2(AT_FDCWD, \"f\", R_OK, AT_SYMLINK_NOFOLLOW|AT_EACCESS) = 0",
            "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)",
            "fcntl(3, F_SETFD, FD_CLOEXEC) = 0",
            "fcntl(3, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)",
            "fcntl(3, F_SETFL, O_RDONLY|O_APPEND|O_NONBLOCK) = 0",
            "fcntl(3, F_DUPFD_CLOEXEC, 10) = 10",
            "ioctl(3, FIOCLEX) = 0",
            "lseek(3, 0, SEEK_END) = 0",
            "lseek(3, 5, SEEK_SET) = 5",
            "prctl(PR_SET_NAME, \"abc\") = 0",
            "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)",
            "eventfd2(3, EFD_CLOEXEC|EFD_NONBLOCK) = 7",
            "memfd_create(\"mem\", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 8",
            "madvise(0x10000, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)",
            "unlinkat(AT_FDCWD, \"nodir\", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)",
            "flock(3, LOCK_EX|LOCK_NB) = 0",
            "dup3(3, 20, O_CLOEXEC) = 20",
            "mkdirat(AT_FDCWD, \"d\", 0755) = 0",
            "renameat2(AT_FDCWD, \"d\", AT_FDCWD, \"e\", RENAME_NOREPLACE) = 0",
            "unlinkat(AT_FDCWD, \"e\", AT_REMOVEDIR) = 0",
            "close_range(30, 40, CLOSE_RANGE_CLOEXEC) = 0",
            "setitimer(ITIMER_REAL, NULL, NULL) = 0",
            "fadvise64(3, 0, 0, POSIX_FADV_SEQUENTIAL) = 0",
            "statx(AT_FDCWD, \"f\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, NULL) = -1 EFAULT (Bad address)",
            "msync(0x10000, 4096, MS_SYNC) = -1 ENOMEM (Cannot allocate memory)",
            "mremap(0x10000, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)",
            "fallocate(3, FALLOC_FL_KEEP_SIZE, 0, 10) = 0",
            "fchmodat(AT_FDCWD, \"f\", 0600) = 0",
            "linkat(AT_FDCWD, \"f\", AT_FDCWD, \"g\", AT_SYMLINK_FOLLOW) = 0",
            "unlinkat(AT_FDCWD, \"g\", 0) = 0",
            "utimensat(AT_FDCWD, \"f\", NULL, AT_SYMLINK_NOFOLLOW) = 0",
            "exit_group(0) = ?");

    /** The calls whose lines hold a pointer: only the symbolic part is compared. */
    static final List<String> STRACE_PREFIXES = List.of(
            "ioctl(0, TCGETS, 0x", "ioctl(0, TIOCGWINSZ, 0x", "ioctl(0, FIONREAD, 0x", "pipe2(0x",
            "clock_gettime(CLOCK_MONOTONIC, 0x", "clock_getres(CLOCK_REALTIME_COARSE, 0x", "getrlimit(RLIMIT_NOFILE, 0x",
            "prlimit64(0, RLIMIT_STACK, NULL, 0x", "umask(022) = 0", "arch_prctl(ARCH_SET_FS, 0x");

    @Test
    void straceLinesMatchStrace() throws Exception {
        Path src = tmp.resolve("strace.c"), exe = tmp.resolve("strace");
        try (InputStream in = Objects.requireNonNull(CliStraceTest.class.getResourceAsStream("/c/strace.c"))) {
            Files.write(src, in.readAllBytes());
        }
        Process p;
        try {
            p = new ProcessBuilder("gcc", "-O1", "-static", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, "gcc is not installed");
            return;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc -static failed:\n" + log);
        Files.createDirectories(tmp.resolve("work"));
        CliFilesTest.Run r = CliFilesTest.lstar("run", "--strace", "--engine", "jit", exe.toString(), tmp.resolve("work").toString());
        assertEquals(0, r.status(), r.stderr());
        List<String> lines = r.stderr().lines().toList();
        assertTrue(lines.contains("chdir(\"" + tmp.resolve("work") + "\") = 0"), r.stderr());
        for (String want : STRACE_LINES) assertTrue(lines.contains(want), "missing: " + want + "\nin:\n" + r.stderr());
        for (String want : STRACE_PREFIXES) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(want)), "no line starting " + want + "\nin:\n" + r.stderr());
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("futex(0x") && l.endsWith(", FUTEX_WAKE_PRIVATE, 1) = 0")), r.stderr());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("futex(0x") && l.endsWith(", FUTEX_WAIT, 1, NULL) = -1 EAGAIN"
                + " (Resource temporarily unavailable)")), r.stderr());
    }
}
