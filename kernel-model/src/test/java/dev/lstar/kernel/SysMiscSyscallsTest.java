package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.lstar.kernel.vfs.Vfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The system calls of issue #12 called straight through the table: results and Linux 6.6's errno
 * values for poll/ppoll/select/pselect6, eventfd, memfd_create, getrusage/times/clock_getres,
 * process groups, credentials, sched_setaffinity/getcpu/get_robust_list, flock, fallocate,
 * copy_file_range, preadv/pwritev(2), openat2 and chown. The guest's root is /jail of a Jimfs.
 */
class SysMiscSyscallsTest extends FileSyscallsTestBase {
    static final int POLL = 7, SELECT = 23, PPOLL = 271, PSELECT6 = 270, GETRUSAGE = 98, TIMES = 100, CLOCK_GETRES = 229,
            SETPGID = 109, GETPGRP = 111, SETSID = 112, GETPGID = 121, GETSID = 124, GETUID = 102, SETUID = 105, SETGID = 106,
            SETREUID = 113, SETRESUID = 117, GETRESUID = 118, GETGROUPS = 115, SETGROUPS = 116, SCHED_SETAFFINITY = 203,
            GETCPU = 309, SET_ROBUST_LIST = 273, GET_ROBUST_LIST = 274, FLOCK = 73, FALLOCATE = 285, COPY_FILE_RANGE = 326,
            PREADV = 295, PWRITEV = 296, PREADV2 = 327, PWRITEV2 = 328, OPENAT2 = 437, MEMFD_CREATE = 319, EVENTFD2 = 290,
            CHOWN = 92, FCHOWN = 93, FCHOWNAT = 260, SYNC = 162, SETRLIMIT = 160;
    static final int POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

    FileSystem fs;
    Path jail;

    @BeforeEach
    void setUp() throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
        jail = fs.getPath("/jail");
        Files.createDirectories(jail.resolve("d/e"));
        Files.writeString(jail.resolve("d/f"), "in d\n");
        Files.writeString(jail.resolve("x"), "beside d\n");
        Files.createSymbolicLink(jail.resolve("d/l"), fs.getPath("f"));
        Files.createSymbolicLink(jail.resolve("d/up"), fs.getPath("../x"));
        Files.createSymbolicLink(jail.resolve("d/abs"), fs.getPath("/f"));
        boot(Vfs.confined(jail));
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
    }

    long[] pipe() {
        long p = buf(8);
        assertEquals(0, call(PIPE, p));
        return new long[] {u32(p, 0), u32(p, 4)};
    }

    /** A pollfd array in user memory. */
    long pollfds(int... fdEvents) {
        ByteBuffer b = ByteBuffer.allocate(fdEvents.length / 2 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < fdEvents.length; i += 2) b.putInt(fdEvents[i]).putShort((short) fdEvents[i + 1]).putShort((short) 0x7777);
        return bytes(b.array());
    }

    int revents(long ufds, int i) {
        byte[] b = peek(ufds + i * 8 + 6, 2);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
    }

    long timespec(long sec, long nsec) {
        return bytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sec).putLong(nsec).array());
    }

    long u64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return bytes(b.array());
    }

    // ------------------------------------------------------------------ poll family

    @Test
    void pollReportsPipeStatesAndInvalidDescriptors() {
        long[] p = pipe();
        long f = pollfds((int) p[0], POLLIN, (int) p[1], POLLOUT, -1, POLLIN, 99, POLLIN);
        assertEquals(2, call(POLL, f, 4, 0));
        assertEquals(0, revents(f, 0), "empty pipe");
        assertEquals(POLLOUT, revents(f, 1));
        assertEquals(0, revents(f, 2), "negative fd: ignored, revents cleared");
        assertEquals(POLLNVAL, revents(f, 3));
        assertEquals(2, writeString(p[1], "hi"));
        long g = pollfds((int) p[0], POLLIN | POLLRDNORM | POLLOUT);
        assertEquals(1, call(POLL, g, 1, -1));
        assertEquals(POLLIN | POLLRDNORM, revents(g, 0), "only the requested bits, and a read end is never writable");
        call(CLOSE, p[1]);
        assertEquals(1, call(POLL, g, 1, 0));
        assertEquals(POLLIN | POLLRDNORM | POLLHUP, revents(g, 0), "POLLHUP is reported whether asked for or not");
        // the other direction: a write end without a reader is in error
        long[] q = pipe();
        call(CLOSE, q[0]);
        long h = pollfds((int) q[1], POLLOUT);
        assertEquals(1, call(POLL, h, 1, 0));
        assertEquals(POLLOUT | POLLERR, revents(h, 0));
        // regular files are always ready
        long fd = open("/d/f", O_RDONLY, 0);
        long r = pollfds((int) fd, POLLIN | POLLOUT);
        assertEquals(1, call(POLL, r, 1, 0));
        assertEquals(POLLIN | POLLOUT, revents(r, 0));
    }

    @Test
    void pollArgumentErrorsAndTimeout() {
        long[] p = pipe();
        long f = pollfds((int) p[0], POLLIN);
        assertEquals(-EINVAL, call(POLL, f, k.limits.soft(ResourceLimits.RLIMIT_NOFILE) + 1, 0), "nfds over RLIMIT_NOFILE");
        assertEquals(-EFAULT, call(POLL, 8, 1, 0));
        long t0 = System.nanoTime();
        assertEquals(0, call(POLL, f, 1, 30));
        assertTrue(System.nanoTime() - t0 >= 25_000_000L, "slept out the timeout");
        assertNull(k.exit);
    }

    @Test
    void pollThatNothingCanEndIsADeadlock() {
        long[] p = pipe();
        long f = pollfds((int) p[0], POLLIN);
        call(POLL, f, 1, -1);
        assertNotNull(k.exit);
        assertTrue(k.exit.message().contains("deadlock") && k.exit.message().contains("poll"), k.exit.message());
    }

    @Test
    void pollInterruptedBySignalRestartsThroughTheRestartBlock() {
        long[] p = pipe();
        long f = pollfds((int) p[0], POLLIN);
        k.signals.send(Signals.Info.sent(Signal.SIGUSR1.number, Signals.SI_USER, 1, 0, null));
        assertEquals(-ERESTART_RESTARTBLOCK, call(POLL, f, 1, 300), "a pending signal ends the wait at once");
        assertNotNull(k.signals.restartBlock);
        k.signals.dequeue(0); // delivered (or ignored): restart_syscall resumes the same wait
        long t0 = System.nanoTime();
        assertEquals(0, k.signals.restartBlock.getAsLong(), "restarted, it waits out what is left and times out");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 200 && ms < 1000, "waited " + ms + " ms of the 300");
    }

    @Test
    void ppollTimeoutAndMask() {
        long[] p = pipe();
        long f = pollfds((int) p[0], POLLIN);
        long ts = timespec(0, 20_000_000);
        assertEquals(0, call(PPOLL, f, 1, ts, 0, 8));
        assertEquals(0, u64(ts, 0));
        assertEquals(0, u64(ts, 8), "the time left (none) is written back");
        assertEquals(-EINVAL, call(PPOLL, f, 1, timespec(0, 1_000_000_000L), 0, 8));
        assertEquals(-EINVAL, call(PPOLL, f, 1, timespec(-1, 0), 0, 8));
        assertEquals(-EFAULT, call(PPOLL, f, 1, 8, 0, 8));
        long mask = u64s(0);
        assertEquals(-EINVAL, call(PPOLL, f, 1, 0, mask, 4), "sigsetsize must be 8");
        // a pending blocked signal let in by the temporary mask: interrupted, mask kept for the frame
        k.signals.setBlocked(Signal.bit(Signal.SIGUSR1.number));
        k.signals.send(Signals.Info.sent(Signal.SIGUSR1.number, Signals.SI_USER, 1, 0, null));
        assertEquals(-ERESTARTNOHAND, call(PPOLL, f, 1, timespec(5, 0), mask, 8));
        assertTrue(k.signals.restoreSigmask);
        assertEquals(Signal.bit(Signal.SIGUSR1.number), k.signals.savedMask);
        assertEquals(0, k.signals.blocked);
        // not interrupted: the old mask comes back at once
        k.signals.restoreSigmask = false;
        k.signals.dequeue(0);
        k.signals.setBlocked(Signal.bit(Signal.SIGUSR2.number));
        assertEquals(0, call(PPOLL, f, 1, timespec(0, 0), mask, 8));
        assertEquals(Signal.bit(Signal.SIGUSR2.number), k.signals.blocked);
        assertTrue(!k.signals.restoreSigmask);
    }

    @Test
    void selectSetsTimeoutsAndErrors() {
        long[] p = pipe();
        long rd = u64s(1L << p[0]), wr = u64s(1L << p[1]);
        long tv = u64s(0, 0);
        assertEquals(1, call(SELECT, p[1] + 1, rd, wr, 0, tv));
        assertEquals(0, u64(rd, 0), "empty pipe: not readable");
        assertEquals(1L << p[1], u64(wr, 0));
        writeString(p[1], "x");
        rd = u64s(1L << p[0]);
        wr = u64s((1L << p[1]) | (1L << p[0]));
        assertEquals(2, call(SELECT, p[1] + 1, rd, wr, 0, 0), "each ready bit counts: read end readable, write end writable");
        assertEquals(1L << p[0], u64(rd, 0));
        assertEquals(1L << p[1], u64(wr, 0));
        call(READ, p[0], buf(1), 1);
        long tv2 = u64s(0, 30_000);
        rd = u64s(1L << p[0]);
        assertEquals(0, call(SELECT, p[0] + 1, rd, 0, 0, tv2));
        assertEquals(0, u64(tv2, 0));
        assertEquals(0, u64(tv2, 8), "the time left is written back");
        assertEquals(-EINVAL, call(SELECT, p[0] + 1, rd, 0, 0, u64s(0, -1)));
        assertEquals(-EINVAL, call(SELECT, -1, 0, 0, 0, tv));
        assertEquals(-EBADF, call(SELECT, 40, u64s(1L << 39), 0, 0, tv), "a set bit without an open descriptor");
        assertEquals(0, call(SELECT, 100_000, 0, 0, 0, u64s(0, 0)), "n is clipped to the table's size, not refused");
        assertEquals(-EFAULT, call(SELECT, 1, 8, 0, 0, tv));
        // interrupted: -ERESTARTNOHAND with the sets untouched
        k.signals.send(Signals.Info.sent(Signal.SIGUSR1.number, Signals.SI_USER, 1, 0, null));
        rd = u64s(1L << p[0]);
        long tv3 = u64s(5, 0);
        assertEquals(-ERESTARTNOHAND, call(SELECT, p[0] + 1, rd, 0, 0, tv3));
        assertEquals(1L << p[0], u64(rd, 0));
        assertTrue(u64(tv3, 0) == 4 || u64(tv3, 0) == 5, "time left: " + u64(tv3, 0));
    }

    @Test
    void pselect6MaskPack() {
        long[] p = pipe();
        long rd = u64s(1L << p[0]);
        long mask = u64s(0);
        assertEquals(-EINVAL, call(PSELECT6, p[0] + 1, rd, 0, 0, timespec(0, 0), u64s(mask, 16)));
        assertEquals(-EFAULT, call(PSELECT6, p[0] + 1, rd, 0, 0, timespec(0, 0), 8));
        assertEquals(0, call(PSELECT6, p[0] + 1, rd, 0, 0, timespec(0, 0), u64s(mask, 8)));
        assertEquals(0, call(PSELECT6, p[0] + 1, rd, 0, 0, timespec(0, 0), u64s(0, 0)), "no mask in the pack: none installed");
    }

    // ------------------------------------------------------------------ eventfd, memfd

    @Test
    void eventfdCounter() {
        assertEquals(-EINVAL, call(EVENTFD2, 0, 0100));
        long fd = call(EVENTFD2, 3, O_NONBLOCK);
        assertTrue(fd >= 3);
        long b = buf(8);
        assertEquals(-EINVAL, call(READ, fd, b, 4));
        assertEquals(8, call(READ, fd, b, 8));
        assertEquals(3, u64(b, 0));
        assertEquals(-EAGAIN, call(READ, fd, b, 8));
        long f = pollfds((int) fd, POLLIN | POLLOUT);
        assertEquals(1, call(POLL, f, 1, 0));
        assertEquals(POLLOUT, revents(f, 0));
        assertEquals(-EINVAL, call(WRITE, fd, u64s(-1), 8), "ULLONG_MAX");
        assertEquals(8, call(WRITE, fd, u64s(-2), 8), "up to ULLONG_MAX - 1");
        assertEquals(-EAGAIN, call(WRITE, fd, u64s(1), 8));
        assertEquals(1, call(POLL, f, 1, 0));
        assertEquals(POLLIN, revents(f, 0), "full: readable, not writable");
        assertEquals(-ESPIPE, call(PREAD, fd, b, 8, 0));
        long sb = buf(144);
        assertEquals(0, call(FSTAT, fd, sb));
        assertEquals(0600, u32(sb, 24), "an anonymous inode: no file type bits");
        long sem = call(EVENTFD2, 2, 1);
        assertEquals(8, call(READ, sem, b, 8));
        assertEquals(1, u64(b, 0));
        assertEquals(8, call(READ, sem, b, 8));
        assertEquals(1, u64(b, 0));
        call(READ, sem, b, 8);
        assertNotNull(k.exit, "a blocking read of a zero counter with no timer armed");
        assertTrue(k.exit.message().contains("deadlock") && k.exit.message().contains("eventfd"), k.exit.message());
    }

    @Test
    void memfdCreate() {
        long fd = call(MEMFD_CREATE, str("buf"), 1);
        assertTrue(fd >= 3, "memfd: " + fd);
        assertEquals(1, call(FCNTL, fd, 1, 0), "MFD_CLOEXEC");
        assertEquals(O_RDWR | O_LARGEFILE, call(FCNTL, fd, 3, 0));
        assertEquals(5, writeString(fd, "hello"));
        assertEquals(0, call(FTRUNCATE, fd, 10000));
        long sb = buf(144);
        assertEquals(0, call(FSTAT, fd, sb));
        assertEquals(0100777, u32(sb, 24), "shmem's inode: a regular file 0777");
        assertEquals(0, call(FCHMOD, fd, 0640));
        assertEquals(0, call(FSTAT, fd, sb));
        assertEquals(0100640, u32(sb, 24));
        assertEquals(10000, u64(sb, 48));
        assertEquals(0, u64(sb, 16), "no link: shmem's inode of a memfd is born unlinked");
        long b = buf(8);
        assertEquals(5, call(PREAD, fd, b, 5, 0));
        assertEquals("hello", peekString(b, 5));
        assertEquals(-EINVAL, call(MEMFD_CREATE, str("x"), 0x100));
        assertEquals(-EINVAL, call(MEMFD_CREATE, str("x"), 0x18), "MFD_EXEC with MFD_NOEXEC_SEAL");
        assertEquals(-ENOSYS, call(MEMFD_CREATE, str("x"), 4), "MFD_HUGETLB: no hugetlbfs");
        assertEquals(-EINVAL, call(MEMFD_CREATE, str("n".repeat(250)), 0));
        long ok = call(MEMFD_CREATE, str("n".repeat(249)), 0);
        assertTrue(ok >= 0, "249 bytes: " + ok);
        assertEquals(-EFAULT, call(MEMFD_CREATE, 8, 0));
        assertEquals(-EINVAL, call(FCNTL, fd, 1033, 1), "F_ADD_SEALS: seals are not modelled");
    }

    // ------------------------------------------------------------------ usage, groups, ids

    @Test
    void usageTimesAndResolution() {
        long ru = buf(144);
        assertEquals(0, call(GETRUSAGE, 0, ru));
        assertTrue(u64(ru, 32) > 0, "ru_maxrss in KiB: the high-water mark of the resident pages");
        assertTrue(u64(ru, 64) > 0, "ru_minflt");
        assertEquals(0, call(GETRUSAGE, -1, ru));
        for (int off = 0; off < 144; off += 8) assertEquals(0, u64(ru, off), "RUSAGE_CHILDREN: no child ever ran");
        assertEquals(0, call(GETRUSAGE, 1, ru));
        assertEquals(-EINVAL, call(GETRUSAGE, 2, ru));
        assertEquals(-EINVAL, call(GETRUSAGE, -2, ru), "RUSAGE_BOTH is kernel-internal");
        assertEquals(-EFAULT, call(GETRUSAGE, 0, 8));
        long tms = buf(32);
        long ticks = call(TIMES, tms);
        assertTrue(ticks >= ProcessSyscalls.INITIAL_JIFFIES * 2 / 5, "clock ticks count from INITIAL_JIFFIES: " + ticks);
        assertEquals(0, u64(tms, 16));
        assertTrue(call(TIMES, 0) >= ticks);
        assertEquals(-EFAULT, call(TIMES, 8));
        long res = buf(16);
        for (int clk : new int[] {0, 1, 2, 3, 4, 7, 8, 9, 11}) {
            assertEquals(0, call(CLOCK_GETRES, clk, res));
            assertEquals(1, u64(res, 8), "clock " + clk);
        }
        assertEquals(0, call(CLOCK_GETRES, 6, res));
        assertEquals(4_000_000, u64(res, 8), "COARSE: a tick at HZ=250");
        assertEquals(0, call(CLOCK_GETRES, 5, 0), "res may be NULL");
        assertEquals(-EINVAL, call(CLOCK_GETRES, 10, res));
        assertEquals(-EINVAL, call(CLOCK_GETRES, -1, res));
        assertEquals(-EFAULT, call(CLOCK_GETRES, 1, 8));
    }

    @Test
    void processGroupsAndSessions() {
        int pid = k.process.pid;
        assertEquals(pid, call(GETPGRP));
        assertEquals(pid, call(GETPGID, 0));
        assertEquals(pid, call(GETPGID, pid));
        assertEquals(pid, call(GETSID, 0));
        assertEquals(-ESRCH, call(GETSID, pid + 1));
        assertEquals(-ESRCH, call(GETPGID, -1));
        assertEquals(-EPERM, call(SETSID), "already a process group leader");
        assertEquals(-EINVAL, call(SETPGID, 0, -1));
        assertEquals(-ESRCH, call(SETPGID, pid + 1, 0));
        assertEquals(-EPERM, call(SETPGID, 0, 0), "a session leader cannot change its group");
    }

    @Test
    void credentialsFollowTheCapabilityRules() {
        long uid = Ids.uid(), gid = Ids.gid();
        assertEquals(uid, call(GETUID));
        assertEquals(0, call(SETUID, uid));
        assertEquals(0, call(SETGID, gid));
        assertEquals(-EINVAL, call(SETUID, 0xFFFF_FFFFL));
        assertEquals(0, call(SETRESUID, -1, -1, -1));
        assertEquals(0, call(SETREUID, -1, -1));
        long p = buf(12);
        assertEquals(0, call(GETRESUID, p, p + 4, p + 8));
        assertEquals(uid, u32(p, 0) & 0xFFFF_FFFFL);
        assertEquals(-EFAULT, call(GETRESUID, p, 8, p + 8));
        long n = call(GETGROUPS, 0, 0);
        assertTrue(n >= 0);
        assertEquals(-EINVAL, call(GETGROUPS, -1, 0));
        if (n > 1) assertEquals(-EINVAL, call(GETGROUPS, n - 1, buf(4 * (int) n)));
        assertEquals(n, call(GETGROUPS, n, buf(4 * (int) n + 4)));
        if (uid != 0) {
            assertEquals(-EPERM, call(SETUID, uid + 1), "not root: only ids the process has");
            assertEquals(-EPERM, call(SETRESUID, -1, uid + 1, -1));
            assertEquals(-EPERM, call(SETREUID, uid + 1, -1));
            assertEquals(-EPERM, call(SETGROUPS, 0, 0));
            assertEquals(uid, call(GETUID));
        } else {
            // lstar runs as root: the guest has CAP_SETUID and the change is recorded
            assertEquals(0, call(SETRESUID, 1234, 1234, 0));
            assertEquals(1234, call(GETUID));
            assertEquals(0, call(SETRESUID, -1, 0, -1), "the saved id 0 may come back");
            assertEquals(0, call(SETUID, 4321), "with euid 0: all ids change");
            assertEquals(-EPERM, call(SETUID, 0), "and the capability is gone");
            assertEquals(-EPERM, call(SETGROUPS, 0, 0));
        }
    }

    @Test
    void oneCpuAndTheRobustList() {
        assertEquals(0, call(SCHED_SETAFFINITY, 0, 8, u64s(1)));
        assertEquals(0, call(SCHED_SETAFFINITY, 0, 128, u64s(3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "longer masks are cut");
        assertEquals(-EINVAL, call(SCHED_SETAFFINITY, 0, 8, u64s(2)), "no CPU 1");
        assertEquals(-EINVAL, call(SCHED_SETAFFINITY, 0, 0, u64s(1)), "a zero-length mask is empty");
        assertEquals(-EFAULT, call(SCHED_SETAFFINITY, 0, 8, 8));
        assertEquals(-ESRCH, call(SCHED_SETAFFINITY, 77, 8, u64s(1)));
        long c = u64s(-1);
        assertEquals(0, call(GETCPU, c, c + 4, 0));
        assertEquals(0, u64(c, 0));
        assertEquals(-EFAULT, call(GETCPU, 8, 0, 0));
        long head = buf(24);
        assertEquals(0, call(SET_ROBUST_LIST, head, 24));
        long out = buf(16);
        assertEquals(0, call(GET_ROBUST_LIST, 0, out, out + 8));
        assertEquals(head, u64(out, 0));
        assertEquals(24, u64(out, 8));
        assertEquals(-ESRCH, call(GET_ROBUST_LIST, 2, out, out + 8));
        assertEquals(-EFAULT, call(GET_ROBUST_LIST, 0, out, 8));
    }

    // ------------------------------------------------------------------ files

    @Test
    void flockBetweenOpenFileDescriptions() {
        long a = open("/d/f", O_RDWR, 0), b = open("/d/f", O_RDONLY, 0), c = call(DUP, a);
        assertEquals(0, call(FLOCK, a, 2));
        assertEquals(-EAGAIN, call(FLOCK, b, 2 | 4));
        assertEquals(-EAGAIN, call(FLOCK, b, 1 | 4));
        assertEquals(0, call(FLOCK, c, 2 | 4), "a dup shares the description, and its lock");
        assertEquals(0, call(FLOCK, a, 8));
        assertEquals(0, call(FLOCK, b, 1 | 4));
        assertEquals(0, call(FLOCK, a, 1 | 4), "shared locks coexist");
        assertEquals(-EAGAIN, call(FLOCK, a, 2 | 4));
        call(CLOSE, b);
        assertEquals(0, call(FLOCK, a, 2 | 4), "a closed description holds nothing");
        assertEquals(-EINVAL, call(FLOCK, a, 3));
        assertEquals(-EINVAL, call(FLOCK, 99, 0), "the operation is checked before the descriptor");
        assertEquals(-EBADF, call(FLOCK, 99, 2));
        assertEquals(0, call(FLOCK, a, 32), "LOCK_MAND: ignored");
        long d = open("/d/f", O_RDONLY, 0);
        call(FLOCK, d, 2);
        assertNotNull(k.exit, "a blocking flock only this thread could release");
        assertTrue(k.exit.message().contains("deadlock") && k.exit.message().contains("flock"), k.exit.message());
    }

    @Test
    void fallocateModes() {
        long fd = open("/d/f", O_RDWR, 0);
        assertEquals(0, call(FALLOCATE, fd, 0, 100, 900));
        long sb = buf(144);
        call(FSTAT, fd, sb);
        assertEquals(1000, u64(sb, 48));
        assertEquals(0, call(FALLOCATE, fd, 1, 0, 5000), "KEEP_SIZE");
        call(FSTAT, fd, sb);
        assertEquals(1000, u64(sb, 48));
        assertEquals(0, call(FALLOCATE, fd, 3, 1, 2), "PUNCH_HOLE | KEEP_SIZE reads back as zeros");
        long b = buf(5);
        call(PREAD, fd, b, 5, 0);
        assertEquals("i\0\0d\n", peekString(b, 5));
        assertEquals(0, call(FALLOCATE, fd, 0x10, 998, 4), "ZERO_RANGE extends");
        call(FSTAT, fd, sb);
        assertEquals(1002, u64(sb, 48));
        assertEquals(-EOPNOTSUPP, call(FALLOCATE, fd, 2, 0, 1), "PUNCH_HOLE without KEEP_SIZE");
        assertEquals(-EOPNOTSUPP, call(FALLOCATE, fd, 0x12, 0, 1));
        assertEquals(-EOPNOTSUPP, call(FALLOCATE, fd, 0x80, 0, 1));
        assertEquals(-EINVAL, call(FALLOCATE, fd, 9, 0, 4096), "COLLAPSE_RANGE with another bit (6.6)");
        assertEquals(-EINVAL, call(FALLOCATE, fd, 0x21, 0, 4096));
        assertEquals(-EOPNOTSUPP, call(FALLOCATE, fd, 8, 0, 4096), "COLLAPSE_RANGE is not modelled");
        assertEquals(-EINVAL, call(FALLOCATE, fd, 0, 0, 0));
        assertEquals(-EINVAL, call(FALLOCATE, fd, 0, -1, 1));
        assertEquals(-EFBIG, call(FALLOCATE, fd, 0, Long.MAX_VALUE, 2));
        assertEquals(-EBADF, call(FALLOCATE, 99, 0, 0, 1));
        assertEquals(-EBADF, call(FALLOCATE, open("/d/f", O_RDONLY, 0), 0, 0, 1));
        long[] p = pipe();
        assertEquals(-ESPIPE, call(FALLOCATE, p[1], 0, 0, 1));
        assertEquals(-ENODEV, call(FALLOCATE, open("/dev/null", O_WRONLY, 0), 0, 0, 1));
    }

    @Test
    void copyFileRange() {
        long in = open("/x", O_RDONLY, 0), out = open("/d/new", O_RDWR | O_CREAT, 0644);
        long oi = u64s(2), oo = u64s(0);
        assertEquals(4, call(COPY_FILE_RANGE, in, oi, out, oo, 4, 0));
        assertEquals(6, u64(oi, 0));
        assertEquals(4, u64(oo, 0));
        assertEquals(0, call(LSEEK, in, 0, 1), "with an offset the file position stays");
        assertEquals(9, call(COPY_FILE_RANGE, in, 0, out, 0, 100, 0), "without: from the positions, up to the end");
        assertEquals(9, call(LSEEK, in, 0, 1));
        assertEquals(0, call(COPY_FILE_RANGE, in, 0, out, 0, 100, 0));
        assertEquals(-EINVAL, call(COPY_FILE_RANGE, in, 0, out, 0, 1, 1));
        assertEquals(-EBADF, call(COPY_FILE_RANGE, in, 0, in, 0, 1, 0), "output not writable");
        long rw = open("/x", O_RDWR, 0);
        assertEquals(-EINVAL, call(COPY_FILE_RANGE, rw, u64s(0), rw, u64s(2), 4, 0), "overlapping in one file");
        long[] p = pipe();
        assertEquals(-EINVAL, call(COPY_FILE_RANGE, in, u64s(0), p[1], 0, 1, 0));
        assertEquals(-EISDIR, call(COPY_FILE_RANGE, open("/d", O_RDONLY, 0), 0, out, 0, 1, 0));
        assertEquals(-EFAULT, call(COPY_FILE_RANGE, in, 8, out, 0, 1, 0));
        assertEquals(-EOVERFLOW, call(COPY_FILE_RANGE, in, u64s(Long.MAX_VALUE), out, 0, 10, 0));
    }

    @Test
    void preadvPwritevAndTheV2Forms() {
        long fd = open("/d/f", O_RDWR, 0);
        long iov = u64s(bytes("AB".getBytes()), 2, bytes("C".getBytes()), 1);
        assertEquals(3, call(PWRITEV, fd, iov, 2, 1, 0));
        assertEquals(0, call(LSEEK, fd, 0, 1), "the position does not move");
        long b1 = buf(2), b2 = buf(8);
        assertEquals(5, call(PREADV, fd, u64s(b1, 2, b2, 8), 2, 0, 0));
        assertEquals("iA", peekString(b1, 2));
        assertEquals("BC\n", peekString(b2, 3));
        assertEquals(2, call(PREADV, fd, u64s(b1, 2), 1, 3, 0xFFFF_FFFFL), "pos_h is shifted out on x86-64");
        assertEquals(2, call(PREADV2, fd, u64s(b1, 2), 1, -1, 0, 0), "-1: the file position");
        assertEquals(2, call(LSEEK, fd, 0, 1));
        assertEquals(1, call(PWRITEV2, fd, u64s(bytes("Z".getBytes()), 1), 1, 0, 0, 0x10), "RWF_APPEND");
        assertEquals("iABC\nZ", readAllAt(fd));
        assertEquals(-EOPNOTSUPP, call(PREADV2, fd, u64s(b1, 2), 1, 0, 0, 0x100));
        assertEquals(-EINVAL, call(PREADV, fd, u64s(b1, 2), 1, -2, 0));
        assertEquals(-EINVAL, call(PREADV, fd, u64s(b1, 2), 1025, 0, 0));
        assertEquals(-EFAULT, call(PREADV, fd, 8, 1, 0, 0));
        assertEquals(-EBADF, call(PREADV, 99, u64s(b1, 2), 1, 0, 0));
        long[] p = pipe();
        assertEquals(-ESPIPE, call(PREADV, p[0], u64s(b1, 2), 1, 0, 0));
        assertEquals(-ESPIPE, call(PWRITEV, p[0], u64s(b1, 2), 1, 0, 0), "ESPIPE before the access mode");
        assertEquals(-EBADF, call(PWRITEV, open("/x", O_RDONLY, 0), u64s(b1, 2), 1, 0, 0));
        // RWF_NOWAIT: a pipe read that would block is EAGAIN
        assertEquals(-EAGAIN, call(PREADV2, p[0], u64s(b1, 2), 1, -1, 0, 8));
        assertNull(k.exit);
    }

    String readAllAt(long fd) {
        long b = buf(64);
        long n = call(PREAD, fd, b, 64, 0);
        return peekString(b, (int) n);
    }

    long how(long flags, long mode, long resolve) {
        return u64s(flags, mode, resolve, 0, 0);
    }

    long openat2(long dfd, String path, long flags, long resolve) {
        return call(OPENAT2, dfd, str(path), how(flags, 0, resolve), 24);
    }

    @Test
    void openat2ResolveRules() {
        long d = open("/d", O_RDONLY | O_DIRECTORY, 0);
        long fd = openat2(d, "f", O_RDONLY, 0);
        assertTrue(fd >= 0);
        assertEquals("in d\n", readAll(fd));
        assertEquals(-ELOOP, openat2(d, "l", O_RDONLY, Vfs.RESOLVE_NO_SYMLINKS));
        assertTrue(openat2(d, "l", O_PATH | O_NOFOLLOW, Vfs.RESOLVE_NO_SYMLINKS) >= 0, "the link itself, not followed");
        assertEquals(-EXDEV, openat2(d, "../x", O_RDONLY, Vfs.RESOLVE_BENEATH));
        assertEquals(-EXDEV, openat2(d, "up", O_RDONLY, Vfs.RESOLVE_BENEATH));
        assertEquals(-EXDEV, openat2(d, "/x", O_RDONLY, Vfs.RESOLVE_BENEATH));
        assertEquals(-EXDEV, openat2(d, "abs", O_RDONLY, Vfs.RESOLVE_BENEATH));
        assertTrue(openat2(d, "e/../f", O_RDONLY, Vfs.RESOLVE_BENEATH) >= 0, "'..' that stays beneath");
        assertEquals("in d\n", readAll(openat2(d, "/f", O_RDONLY, Vfs.RESOLVE_IN_ROOT)));
        assertEquals("in d\n", readAll(openat2(d, "abs", O_RDONLY, Vfs.RESOLVE_IN_ROOT)));
        assertEquals("in d\n", readAll(openat2(d, "../../f", O_RDONLY, Vfs.RESOLVE_IN_ROOT)));
        assertEquals(-ENOENT, openat2(d, "up", O_RDONLY, Vfs.RESOLVE_IN_ROOT), "../x from the root d is d/x");
        assertEquals(-ELOOP, openat2(AT_FDCWD, "/proc/self/exe", O_RDONLY, Vfs.RESOLVE_NO_MAGICLINKS));
        assertEquals(-EXDEV, openat2(AT_FDCWD, "/dev/null", O_RDONLY, Vfs.RESOLVE_NO_XDEV), "lstar's /dev is another mount");
        assertTrue(openat2(d, "f", O_RDONLY, Vfs.RESOLVE_NO_XDEV) >= 0);
        assertTrue(openat2(d, "f", O_RDONLY, Vfs.RESOLVE_CACHED) >= 0);
        // the struct and flag checks
        assertEquals(-EINVAL, call(OPENAT2, d, str("f"), how(0, 0, 0), 16));
        assertTrue(call(OPENAT2, d, str("f"), how(0, 0, 0), 40) >= 0, "a bigger struct with zeros past the known fields");
        assertEquals(-E2BIG, call(OPENAT2, d, str("f"), u64s(0, 0, 0, 1), 32));
        assertEquals(-E2BIG, call(OPENAT2, d, str("f"), how(0, 0, 0), 4097));
        assertEquals(-EFAULT, call(OPENAT2, d, str("f"), 8, 24));
        assertEquals(-EINVAL, call(OPENAT2, d, str("f"), how(1L << 40, 0, 0), 24));
        assertEquals(-EINVAL, call(OPENAT2, d, str("f"), how(0, 0644, 0), 24), "a mode without O_CREAT");
        assertEquals(-EINVAL, call(OPENAT2, d, str("n"), how(O_CREAT | O_RDWR, 010000, 0), 24));
        assertEquals(-EINVAL, openat2(d, "f", O_RDONLY, 0x40));
        assertEquals(-EINVAL, openat2(d, "f", O_RDONLY, Vfs.RESOLVE_BENEATH | Vfs.RESOLVE_IN_ROOT));
        assertEquals(-EINVAL, openat2(d, "f", O_PATH | O_RDWR, 0));
        assertEquals(-EAGAIN, call(OPENAT2, d, str("n"), how(O_CREAT | O_RDWR, 0644, Vfs.RESOLVE_CACHED), 24));
        assertEquals(-EINVAL, call(OPENAT2, d, str("n"), how(O_CREAT | O_DIRECTORY, 0644, 0), 24));
        assertEquals(-EINVAL, open("/d/n", O_CREAT | O_DIRECTORY, 0644), "open too, since 6.4");
        assertEquals(-EBADF, openat2(99, "f", O_RDONLY, Vfs.RESOLVE_BENEATH));
    }

    @Test
    void chownThroughTheVfs() {
        long fd = open("/d/f", O_RDONLY, 0);
        assertEquals(0, call(CHOWN, str("/d/f"), -1, -1));
        assertEquals(0, call(FCHOWN, fd, -1, -1));
        assertEquals(-EINVAL, call(FCHOWNAT, AT_FDCWD, str("/d/f"), -1, -1, 0x2));
        assertEquals(-ENOENT, call(CHOWN, str("/d/none"), -1, -1));
        assertEquals(-EBADF, call(FCHOWN, 99, -1, -1));
        assertEquals(-EBADF, call(FCHOWN, open("/d/f", O_PATH, 0), -1, -1));
        assertEquals(0, call(FCHOWNAT, fd, str(""), -1, -1, 0x1000), "AT_EMPTY_PATH: the descriptor's file");
        long[] p = pipe();
        assertEquals(-EPERM, call(FCHOWN, p[0], Ids.uid() + 1, -1), "lstar's own inodes keep their owner");
        assertEquals(0, call(SYNC));
    }

    @Test
    void terminalIoctlsAskTheHostOnlyForTheJvmsOwnStreams() {
        // the test's streams are the embedder's (LinuxKernelBootTest.quiet()): never a terminal
        assertEquals(-ENOTTY, call(IOCTL, 1, 0x5401, buf(36)), "TCGETS");
        assertEquals(-ENOTTY, call(IOCTL, 0, 0x5413, buf(8)), "TIOCGWINSZ");
        assertEquals(-ENOTTY, call(IOCTL, 1, 0x5402, buf(36)), "TCSETS");
        assertEquals(-ENOTTY, call(IOCTL, open("/d/f", O_RDONLY, 0), 0x5401, buf(36)));
        // the host call is real: its errno comes back (EBADF for a descriptor the host does not have)
        int r = dev.lstar.kernel.vfs.HostTty.ioctl(-1, 0x5401, new byte[36], 36);
        assertTrue(r == -EBADF || r == -ENOTTY, "host ioctl: " + r);
        assertEquals(-1, new dev.lstar.kernel.vfs.OpenFile.StreamFile(new java.io.ByteArrayInputStream(new byte[0]), null, 0).hostFd);
        assertEquals(1, new dev.lstar.kernel.vfs.OpenFile.StreamFile(null, System.out, 1).hostFd);
    }
}
