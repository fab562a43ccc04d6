package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link SyscallTable#override} covers exactly the 6.6 64-bit table (NR_syscalls = 454): numbers
 * outside it are refused with a clear message rather than an array index error, since
 * do_syscall_64 could never dispatch them (they are -ENOSYS).
 */
class SyscallOverridePathTest {
    @Test
    void overrideOutsideTheTableIsRefused() {
        LinuxKernel k = LinuxKernel.boot(KernelConfig.defaults());
        SyscallTable.Impl f = (a0, a1, a2, a3, a4, a5) -> 0;
        k.syscalls().override(SyscallTable.NR_SYSCALLS - 1, "last", 0, f);
        for (int nr : new int[] {SyscallTable.NR_SYSCALLS, -1, SyscallTable.X32_SYSCALL_BIT}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.syscalls().override(nr, "x", 0, f));
            assertTrue(e.getMessage().contains("outside Linux 6.6's 64-bit table"), e.getMessage());
        }
        assertEquals(454, SyscallTable.NR_SYSCALLS);
    }
}
