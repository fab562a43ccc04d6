package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.kernel.vfs.Vfs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The signal system calls called straight through the table: argument checks and errno values of
 * Linux 6.6, the order of reads and writes (a bad pointer after a change), the state they leave
 * (the delivery itself is covered end to end by StaticSignalsTest against native runs).
 */
class SignalSyscallsTest extends FileSyscallsTestBase {
    static final int RT_SIGACTION = 13, RT_SIGPROCMASK = 14, PAUSE = 34, NANOSLEEP = 35, GETITIMER = 36, ALARM = 37,
            SETITIMER = 38, KILL = 62, RT_SIGPENDING = 127, RT_SIGTIMEDWAIT = 128, SIGALTSTACK = 131, TKILL = 200,
            RESTART_SYSCALL = 219, CLOCK_NANOSLEEP = 230, TGKILL = 234;
    static final long BAD = 8; // an unmapped user address
    int pid;

    @BeforeEach
    void setUp() throws Exception {
        boot(Vfs.host());
        pid = k.process.pid;
    }

    @AfterEach
    void tearDown() {
        k.signalSyscalls.cancelTimers();
    }

    long sigaction(long handler, long flags, long restorer, long mask) {
        return bytes(ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(handler).putLong(flags).putLong(restorer)
                .putLong(mask).array());
    }

    long u64(long v) {
        return bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    @Test
    void rtSigactionChecksAndKeepsOnlyKnownFlags() {
        long act = sigaction(0x401000, Signals.SA_SIGINFO | Signals.SA_RESTORER | 0x200, 0x402000, -1L);
        long old = buf(32);
        assertEquals(-EINVAL, call(RT_SIGACTION, 10, act, 0, 4), "sigsetsize must be 8");
        assertEquals(-EINVAL, call(RT_SIGACTION, 0, act, 0, 8));
        assertEquals(-EINVAL, call(RT_SIGACTION, 65, act, 0, 8));
        assertEquals(-EINVAL, call(RT_SIGACTION, 9, act, 0, 8), "SIGKILL cannot be caught");
        assertEquals(0, call(RT_SIGACTION, 9, 0, old, 8), "but its action can be read");
        assertEquals(-EFAULT, call(RT_SIGACTION, 10, BAD, 0, 8));
        assertEquals(0, call(RT_SIGACTION, 10, act, 0, 8));
        assertEquals(-EFAULT, call(RT_SIGACTION, 10, act, BAD, 8), "oact is written after the change");
        assertEquals(0, call(RT_SIGACTION, 10, 0, old, 8));
        assertEquals(0x401000, u64(old, 0));
        assertEquals(Signals.SA_SIGINFO | Signals.SA_RESTORER, u64(old, 8), "the unknown bit 0x200 is dropped");
        assertEquals(0x402000, u64(old, 16));
        assertEquals(-1L & ~Signals.UNBLOCKABLE, u64(old, 24), "SIGKILL and SIGSTOP never enter sa_mask");
    }

    @Test
    void rtSigprocmaskNeverBlocksKillOrStop() {
        long old = buf(8);
        assertEquals(-EINVAL, call(RT_SIGPROCMASK, 0, u64(-1L), 0, 16));
        assertEquals(-EINVAL, call(RT_SIGPROCMASK, 3, u64(-1L), 0, 8));
        assertEquals(0, call(RT_SIGPROCMASK, 0, u64(-1L), old, 8));
        assertEquals(0, u64(old, 0), "the old mask");
        assertEquals(~Signals.UNBLOCKABLE, k.signals.blocked);
        assertEquals(0, call(RT_SIGPROCMASK, 1, u64(Signal.bit(10)), old, 8));
        assertEquals(~Signals.UNBLOCKABLE & ~Signal.bit(10), k.signals.blocked);
        assertEquals(-EFAULT, call(RT_SIGPROCMASK, 2, u64(0), BAD, 8), "oset is written after the change");
        assertEquals(0, k.signals.blocked);
    }

    @Test
    void killAndTgkillReachOnlyThisProcess() {
        assertEquals(-ESRCH, call(KILL, pid + 1, 10));
        assertEquals(-ESRCH, call(KILL, -1, 10), "every process but init and the caller: nobody here");
        assertEquals(-EINVAL, call(KILL, pid, 65));
        assertEquals(0, call(KILL, pid, 0), "signal 0 only checks");
        assertEquals(0, k.signals.pending());
        call(RT_SIGPROCMASK, 0, u64(-1L), 0, 8);
        assertEquals(0, call(KILL, 0, 10), "pid 0: the process group");
        // -pgid names the group (pid 1's -1 means every process instead, hence the test only above 1)
        assertEquals(0, call(KILL, pid > 1 ? -pid : 0, 12));
        assertEquals(-EINVAL, call(TGKILL, 0, pid, 10));
        assertEquals(-EINVAL, call(TKILL, 0, 10));
        assertEquals(-ESRCH, call(TGKILL, pid, pid + 1, 10));
        assertEquals(0, call(TGKILL, pid, pid, 14));
        assertEquals(Signal.bit(10) | Signal.bit(12) | Signal.bit(14), k.signals.pending());
        long set = buf(8);
        assertEquals(0, call(RT_SIGPENDING, set, 8));
        assertEquals(Signal.bit(10) | Signal.bit(12) | Signal.bit(14), u64(set, 0));
        assertEquals(-EINVAL, call(RT_SIGPENDING, set, 9));
    }

    @Test
    void ignoredSignalsAreNotQueuedAndSigtimedwaitTakesBlockedOnes() {
        call(RT_SIGACTION, 10, sigaction(Signals.SIG_IGN, 0, 0, 0), 0, 8);
        assertEquals(0, call(KILL, pid, 10));
        assertEquals(0, call(KILL, pid, 17), "SIGCHLD's default action ignores");
        assertEquals(0, k.signals.pending());
        call(RT_SIGPROCMASK, 0, u64(Signal.bit(12)), 0, 8);
        assertEquals(0, call(TKILL, pid, 12));
        long info = buf(128);
        assertEquals(12, call(RT_SIGTIMEDWAIT, u64(Signal.bit(12)), info, 0, 8));
        assertEquals(12, u32(info, 0));
        assertEquals(Signals.SI_TKILL, u32(info, 8));
        assertEquals(pid, u32(info, 16));
        long ts = bytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(1_000_000).array());
        assertEquals(-EAGAIN, call(RT_SIGTIMEDWAIT, u64(Signal.bit(12)), info, ts, 8), "nothing pending: time-out");
        long badTs = bytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(1_000_000_000).array());
        assertEquals(-EINVAL, call(RT_SIGTIMEDWAIT, u64(Signal.bit(12)), info, badTs, 8));
    }

    @Test
    void sigaltstackErrors() {
        long old = buf(24);
        assertEquals(0, call(SIGALTSTACK, 0, old));
        assertEquals(Signals.SS_DISABLE, u32(old, 8));
        long small = bytes(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(scratch).putInt(0).putInt(0).putLong(1024).array());
        assertEquals(-ENOMEM, call(SIGALTSTACK, small, 0));
        long badFlags = bytes(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(scratch).putInt(5).putInt(0).putLong(65536).array());
        assertEquals(-EINVAL, call(SIGALTSTACK, badFlags, 0));
        long ok = bytes(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(scratch).putInt(0).putInt(0).putLong(65536).array());
        assertEquals(0, call(SIGALTSTACK, ok, 0));
        assertEquals(0, call(SIGALTSTACK, 0, old));
        assertEquals(scratch, u64(old, 0));
        assertEquals(0, u32(old, 8), "set, and not on it");
        assertEquals(65536, u64(old, 16));
        assertEquals(-EFAULT, call(SIGALTSTACK, BAD, 0));
    }

    @Test
    void itimersAndAlarm() {
        long val = bytes(ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0).putLong(100).putLong(0).array());
        long old = buf(32);
        assertEquals(0, call(SETITIMER, 0, val, old));
        assertEquals(0, u64(old, 16), "nothing was armed");
        assertEquals(100, call(ALARM, 5), "alarm returns the seconds left of ITIMER_REAL, rounded");
        assertEquals(0, call(GETITIMER, 0, old));
        assertTrue(u64(old, 16) == 4 || u64(old, 16) == 5, "about 5 s left: " + u64(old, 16));
        assertEquals(5, call(ALARM, 0));
        assertEquals(0, call(ALARM, 0), "disarmed");
        assertEquals(-EINVAL, call(GETITIMER, 3, old));
        long bad = bytes(ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0).putLong(0).putLong(1_000_000).array());
        assertEquals(-EINVAL, call(SETITIMER, 0, bad, 0), "tv_usec must be below 10^6");
        assertEquals(-EFAULT, call(SETITIMER, 0, BAD, 0));
        assertFalse(k.signalSyscalls.timerArmed());
    }

    @Test
    void aTimerInterruptsASleepWhichRestartsWithTheTimeLeft() {
        // SIGALRM blocked: no handler can run, but a pending blocked signal does not wake a sleep either
        call(RT_SIGACTION, 14, sigaction(0x401000, Signals.SA_RESTORER, 0x401000, 0), 0, 8);
        long val = bytes(ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0).putLong(0).putLong(20_000).array());
        assertEquals(0, call(SETITIMER, 0, val, 0));
        long req = bytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(0).array());
        long rem = buf(16);
        long t0 = System.nanoTime();
        assertEquals(-ERESTART_RESTARTBLOCK, call(NANOSLEEP, req, rem));
        assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "woken by the timer, not after 5 s");
        assertEquals(4, u64(rem, 0), "about 4.98 s left");
        assertNotNull(k.signals.restartBlock);
        assertEquals(Signal.bit(14), k.signals.pending());
        // the signal is consumed (as by a handler that returned): restart_syscall sleeps the rest, here cut short
        k.signals.dequeue(0);
        k.signals.restartBlock = null;
        assertEquals(-EINTR, call(RESTART_SYSCALL), "do_no_restart_syscall after sigreturn");
        long badReq = bytes(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).putLong(0).array());
        assertEquals(-EINVAL, call(NANOSLEEP, badReq, 0));
        assertEquals(-EFAULT, call(NANOSLEEP, BAD, 0));
        assertEquals(-EINVAL, call(CLOCK_NANOSLEEP, 99, 0, req, 0));
        assertEquals(-EOPNOTSUPP, call(CLOCK_NANOSLEEP, 4, 0, req, 0), "MONOTONIC_RAW cannot sleep");
        long zero = bytes(new byte[16]);
        assertEquals(0, call(CLOCK_NANOSLEEP, 1, 0, zero, 0));
    }
}
