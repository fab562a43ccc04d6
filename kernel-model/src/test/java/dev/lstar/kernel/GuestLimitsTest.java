package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static dev.lstar.kernel.ResourceLimits.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory rules and resource-limit system calls, called directly on a booted kernel with the
 * {@code hello} fixture loaded: Linux 6.6's heuristic overcommit (mm/util.c __vm_enough_memory),
 * may_expand_vm and check_data_rlimit (mm/mmap.c), do_prlimit (kernel/sys.c), the OOM kill.
 */
class GuestLimitsTest {
    static final long RAM = 64L << 20;
    static final int RW = 3, PRIVATE_ANON = MemorySyscalls.MAP_PRIVATE | MemorySyscalls.MAP_ANONYMOUS;
    /** A user page of the loaded process where the tests keep a struct rlimit (the stack's top page). */
    static final long SCRATCH = AddressSpace.STACK_TOP - 4096;

    LinuxKernel k;
    Syscalls sys;
    MemorySyscalls mem;

    @BeforeEach
    void boot() throws Exception {
        k = LinuxKernel.boot(LinuxKernelBootTest.quiet().withAslr(false), RAM); // the stack at STACK_TOP
        byte[] hello = Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello"));
        k.exec(hello, "/tmp/hello", List.of("hello"), List.of());
        sys = new Syscalls(k);
        mem = new MemorySyscalls(k);
    }

    long[] rlimitAt(long addr) {
        byte[] b = new byte[16];
        assertTrue(k.process.mm.copyFromUser(addr, b, 0, 16));
        return new long[] {Syscalls.le64(b, 0), Syscalls.le64(b, 8)};
    }

    void putRlimit(long addr, long soft, long hard) {
        assertTrue(k.process.mm.putUser64(addr, soft));
        assertTrue(k.process.mm.putUser64(addr + 8, hard));
    }

    // ---------------------------------------------------------------- overcommit (mode 0)

    @Test
    void heuristicOvercommitRefusesOneRequestLargerThanRam() {
        assertEquals(-ENOMEM, mem.mmap(0, 64L << 30, RW, PRIVATE_ANON, -1, 0), "64 GiB on 64 MiB of RAM");
        long total = k.totalRamBytes();
        assertEquals(RAM - (16 << 20), total, "MemTotal: RAM less lstar's reserved low 16 MiB");
        assertEquals(-ENOMEM, mem.mmap(0, total + 4096, RW, PRIVATE_ANON, -1, 0), "one page more than totalram + swap (0)");
        assertTrue(mem.mmap(0, total, RW, PRIVATE_ANON, -1, 0) > 0, "exactly totalram pages: not more");
        // no running total in mode 0: the sum of mappings may exceed RAM (the OOM killer settles it)
        assertTrue(mem.mmap(0, total, RW, PRIVATE_ANON, -1, 0) > 0);
        assertTrue(mem.mmap(0, total, RW, MemorySyscalls.MAP_SHARED | MemorySyscalls.MAP_ANONYMOUS, -1, 0) > 0);
        assertEquals(-ENOMEM, mem.mmap(0, total + 4096, RW, MemorySyscalls.MAP_SHARED | MemorySyscalls.MAP_ANONYMOUS, -1, 0));
    }

    @Test
    void unaccountedMappingsAreNotChecked() {
        assertTrue(mem.mmap(0, 64L << 30, RW, PRIVATE_ANON | MemorySyscalls.MAP_NORESERVE, -1, 0) > 0, "MAP_NORESERVE: VM_NORESERVE in mode 0");
        assertTrue(mem.mmap(0, 64L << 30, 1, PRIVATE_ANON, -1, 0) > 0, "read-only private: not accountable_mapping");
        assertEquals(-ENOMEM, mem.mmap(0, 64L << 30, 1, MemorySyscalls.MAP_SHARED | MemorySyscalls.MAP_ANONYMOUS, -1, 0),
                "shared anonymous: shmem accounts the whole size");
    }

    @Test
    void brkRefusesAnIncrementLargerThanRamAndFollowsRlimitData() {
        long start = sys.brk(0);
        long rw = k.process.mm.dataVmPages() << 12; // the writable ELF segment (hello: 4 pages of .data/.bss)
        long dataSeg = k.process.mm.endData - k.process.mm.startData; // end_data - start_data (hello: 0x10)
        assertEquals(4 * 4096, rw);
        assertEquals(0x10, dataSeg);
        assertEquals(start, sys.brk(start + (64L << 30)), "refused: the old break comes back (sbrk: ENOMEM)");
        assertEquals(start + (1 << 20), sys.brk(start + (1 << 20)));

        // may_expand_vm: data_vm (writable segment + heap, in pages) <= RLIMIT_DATA
        putRlimit(SCRATCH, 4 << 20, RLIM_INFINITY);
        assertEquals(0, sys.setrlimit(RLIMIT_DATA, SCRATCH));
        long max = start + (4 << 20) - rw;
        assertEquals(max, sys.brk(max));
        assertEquals(max, sys.brk(max + 1), "one more page is over RLIMIT_DATA");

        // RLIMIT_DATA soft 0, hard unlimited: check_data_rlimit refuses every brk at or above the start
        // ((brk - start_brk) + (end_data - start_data) > 0), while may_expand_vm lets mmap through
        // (its exception for a zero soft limit under the hard one, kept for Valgrind)
        putRlimit(SCRATCH, 0, RLIM_INFINITY);
        assertEquals(0, sys.setrlimit(RLIMIT_DATA, SCRATCH));
        assertEquals(max, sys.brk(start), "not even shrinking: the data check comes first");
        assertEquals(max, sys.brk(max + 4096));
        assertTrue(mem.mmap(0, 1 << 20, RW, PRIVATE_ANON, -1, 0) > 0);
    }

    @Test
    void rlimitAsAndDataBoundMmap() {
        long before = k.process.mm.totalVmPages() << 12;
        putRlimit(SCRATCH, before + (8 << 20), RLIM_INFINITY);
        assertEquals(0, sys.setrlimit(RLIMIT_AS, SCRATCH));
        long big = mem.mmap(0, 8 << 20, RW, PRIVATE_ANON, -1, 0);
        assertTrue(big > 0);
        assertEquals(-ENOMEM, mem.mmap(0, 4096, 1, PRIVATE_ANON, -1, 0), "total_vm would exceed RLIMIT_AS");
        assertEquals(-ENOMEM, mem.mmap(0, 4096, 0, PRIVATE_ANON | MemorySyscalls.MAP_NORESERVE, -1, 0),
                "RLIMIT_AS counts every mapping, NORESERVE or not");
        assertEquals(big, mem.mmap(big, 8 << 20, 1, PRIVATE_ANON | MemorySyscalls.MAP_FIXED, -1, 0),
                "MAP_FIXED over a mapping: the replaced pages count as freed");
        assertEquals(0, mem.munmap(big, 4096));
        assertTrue(mem.mmap(0, 4096, 1, PRIVATE_ANON, -1, 0) > 0, "munmap made room");
        assertEquals(before + (8 << 20), k.process.mm.totalVmPages() << 12);
    }

    @Test
    void rlimitDataBoundsWritablePrivateMappingsOnly() {
        long data = k.process.mm.dataVmPages() << 12;
        putRlimit(SCRATCH, data + (1 << 20), RLIM_INFINITY);
        assertEquals(0, sys.setrlimit(RLIMIT_DATA, SCRATCH));
        assertTrue(mem.mmap(0, 1 << 20, RW, PRIVATE_ANON, -1, 0) > 0);
        assertEquals(-ENOMEM, mem.mmap(0, 4096, RW, PRIVATE_ANON, -1, 0), "data_vm would exceed RLIMIT_DATA");
        assertTrue(mem.mmap(0, 1 << 20, 1, PRIVATE_ANON, -1, 0) > 0, "read-only: not a data mapping");
    }

    @Test
    void rlimitStackBoundsStackGrowth() {
        putRlimit(SCRATCH, 64 << 10, RLIM_INFINITY);
        assertEquals(0, sys.setrlimit(RLIMIT_STACK, SCRATCH));
        AddressSpace mm = k.process.mm;
        assertTrue(mm.handleFault(AddressSpace.STACK_TOP - (32 << 10), 6), "within 64 KiB of the top");
        assertTrue(mm.handleFault(AddressSpace.STACK_TOP - (64 << 10), 6), "the last page within the limit");
        assertFalse(mm.handleFault(AddressSpace.STACK_TOP - (64 << 10) - 1, 6), "acct_stack_growth refuses: SIGSEGV");
        assertTrue(mem.mmap(0, 4096, RW, PRIVATE_ANON, -1, 0) > 0, "other mappings are not affected");
    }

    // ---------------------------------------------------------------- rlimit system calls

    @Test
    void defaultsAreLinuxInitRlimits() {
        assertEquals(0, sys.getrlimit(RLIMIT_STACK, SCRATCH));
        assertArrayEquals(new long[] {8 << 20, RLIM_INFINITY}, rlimitAt(SCRATCH));
        assertEquals(0, sys.getrlimit(RLIMIT_CPU, SCRATCH));
        assertArrayEquals(new long[] {RLIM_INFINITY, RLIM_INFINITY}, rlimitAt(SCRATCH));
        assertEquals(0, sys.getrlimit(RLIMIT_NOFILE, SCRATCH));
        assertArrayEquals(new long[] {1024, 4096}, rlimitAt(SCRATCH));
        assertEquals(0, sys.getrlimit(RLIMIT_CORE, SCRATCH));
        assertArrayEquals(new long[] {0, RLIM_INFINITY}, rlimitAt(SCRATCH));
        assertEquals(0, sys.getrlimit(RLIMIT_NPROC, SCRATCH));
        long threads = RAM / (8 * LinuxKernel.THREAD_SIZE);
        assertArrayEquals(new long[] {threads / 2, threads / 2}, rlimitAt(SCRATCH), "fork_init: max_threads / 2");
    }

    @Test
    void setrlimitChecks() {
        putRlimit(SCRATCH, 10, 5);
        assertEquals(-EINVAL, sys.setrlimit(RLIMIT_CPU, SCRATCH), "soft > hard");
        putRlimit(SCRATCH, 1, 2);
        assertEquals(-EINVAL, sys.setrlimit(RLIM_NLIMITS, SCRATCH), "resource 16");
        assertEquals(-EINVAL, sys.getrlimit(0xFFFF_FFFFL, SCRATCH), "resource is an unsigned int");
        assertEquals(0, sys.setrlimit(RLIMIT_CPU | (1L << 32), SCRATCH), "the upper half of the register is ignored");
        assertEquals(2, k.limits.hard(RLIMIT_CPU));
        assertEquals(-EFAULT, sys.setrlimit(RLIMIT_CPU, 0));
        assertEquals(-EFAULT, sys.getrlimit(RLIMIT_CPU, 0x10));
        putRlimit(SCRATCH, 2, 2);
        assertEquals(0, sys.setrlimit(RLIMIT_CPU, SCRATCH), "soft up to the hard limit");
        putRlimit(SCRATCH, 0, 0);
        assertEquals(0, sys.setrlimit(RLIMIT_NOFILE, SCRATCH), "lowering needs no privilege");
        putRlimit(SCRATCH, 1024, 2 * NR_OPEN);
        assertEquals(-EPERM, sys.setrlimit(RLIMIT_NOFILE, SCRATCH), "above nr_open, even for root");
    }

    @Test
    void raisingAHardLimitNeedsCapSysResource() {
        assumeTrue(Ids.uid() != 0, "running as root: CAP_SYS_RESOURCE allows raising hard limits");
        putRlimit(SCRATCH, 1, 2);
        assertEquals(0, sys.setrlimit(RLIMIT_CPU, SCRATCH));
        putRlimit(SCRATCH, 1, 3);
        assertEquals(-EPERM, sys.setrlimit(RLIMIT_CPU, SCRATCH));
        assertEquals(2, k.limits.hard(RLIMIT_CPU), "unchanged");
    }

    @Test
    void raisingAHardLimitWithoutCapSysResourceIsEperm() {
        ResourceLimits l = new ResourceLimits(RAM, false);
        assertEquals(0, l.prlimit(RLIMIT_CPU, new long[] {1, 2}, null));
        assertEquals(-EPERM, l.prlimit(RLIMIT_CPU, new long[] {1, 3}, null));
        assertEquals(-EPERM, l.prlimit(RLIMIT_CPU, new long[] {1, RLIM_INFINITY}, null));
        assertEquals(0, l.prlimit(RLIMIT_CPU, new long[] {2, 2}, null), "soft up to hard");
        assertEquals(-EINVAL, l.prlimit(RLIMIT_CPU, new long[] {3, 2}, null), "EINVAL is checked before EPERM");
        assertEquals(2, l.hard(RLIMIT_CPU));
        ResourceLimits root = new ResourceLimits(RAM, true);
        assertEquals(0, root.prlimit(RLIMIT_CPU, new long[] {1, 2}, null));
        assertEquals(0, root.prlimit(RLIMIT_CPU, new long[] {1, 3}, null), "CAP_SYS_RESOURCE");
    }

    @Test
    void prlimit64() {
        putRlimit(SCRATCH, 5, 7);
        long old = SCRATCH + 64;
        assertEquals(0, sys.prlimit64(0, RLIMIT_CPU, SCRATCH, old));
        assertArrayEquals(new long[] {RLIM_INFINITY, RLIM_INFINITY}, rlimitAt(old), "the previous limit");
        assertEquals(0, sys.prlimit64(k.process.pid, RLIMIT_CPU, 0, old), "own pid; NULL new: read only");
        assertArrayEquals(new long[] {5, 7}, rlimitAt(old));
        assertEquals(-ESRCH, sys.prlimit64(2, RLIMIT_CPU, 0, old));
        assertEquals(-ESRCH, sys.prlimit64(-1, RLIMIT_CPU, 0, old));
        assertEquals(-EFAULT, sys.prlimit64(0, RLIMIT_CPU, 0x10, old), "new is read first");
        putRlimit(SCRATCH, 6, 7);
        assertEquals(-EFAULT, sys.prlimit64(0, RLIMIT_CPU, SCRATCH, 0x10), "old is written last...");
        assertEquals(6, k.limits.soft(RLIMIT_CPU), "...after the new limit took effect");
        assertEquals(-EINVAL, sys.prlimit64(0, 99, 0, 0));
    }

    @Test
    void syscallNumbersMatchTheTable() {
        assertEquals("getrlimit", SyscallNames.x64(97));
        assertEquals("setrlimit", SyscallNames.x64(160));
        assertEquals("prlimit64", SyscallNames.x64(302));
    }

    // ---------------------------------------------------------------- OOM

    @Test
    void touchingMoreThanRamIsAnOomKill() {
        long len = 128L << 20;
        long a = mem.mmap(0, len, RW, PRIVATE_ANON | MemorySyscalls.MAP_NORESERVE, -1, 0);
        assertTrue(a > 0);
        long t0 = System.nanoTime();
        int touched = 0;
        for (long p = a; p < a + len && k.exit == null; p += 4096, touched++) {
            k.process.mm.handleFault(p, 6);
        }
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "prompt");
        assertNotNull(k.exit, "killed");
        assertEquals(137, k.exit.shellStatus());
        assertEquals(Signal.SIGKILL, k.exit.signal());
        assertTrue(k.exit.message().startsWith("Out of memory: Killed process 1 (hello) total-vm:"), k.exit.message());
        assertTrue(touched > (RAM >> 12) / 2 && touched < RAM >> 12, "killed once RAM ran out: " + touched + " pages");
        assertFalse(k.process.mm.handleFault(a + len - 4096, 6), "no page after the kill");
    }

    @Test
    void ramMustFitTheHeap() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinuxKernel.boot(LinuxKernelBootTest.quiet(), Runtime.getRuntime().maxMemory()));
        assertTrue(e.getMessage().contains("does not fit the JVM heap"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinuxKernel.boot(LinuxKernelBootTest.quiet(), 1 << 20));
        assertTrue(LinuxKernel.defaultRamBytes() <= LinuxKernel.PHYS_BYTES);
        assertTrue(LinuxKernel.defaultRamBytes() <= LinuxKernel.maxRamForHeap());
    }
}
