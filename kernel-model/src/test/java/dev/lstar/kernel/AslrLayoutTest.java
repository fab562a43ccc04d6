package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.kernel.vfs.Vfs;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The randomised layout of a static executable (KernelConfig's default) against Linux 6.6's
 * windows, the fixed one of withAslr(false), seeds, and personality(2). The whole-program view
 * (PIE, static-pie, brk, the vDSO, fork and execve, native comparisons) is conformance's AslrTest.
 */
class AslrLayoutTest extends FileSyscallsTestBase {
    static final int PERSONALITY = 135;
    static final long STACK_TOP = AddressSpace.STACK_TOP;

    @TempDir
    Path root;

    KernelConfig cfg = LinuxKernelBootTest.quiet();

    @Override
    KernelConfig config() {
        return cfg;
    }

    /** One exec's layout: mmap base, stack VMA end, initial stack pointer, brk start, vDSO. */
    long[] layout() throws Exception {
        boot(Vfs.confined(root));
        UserProcess p = k.process;
        long stackEnd = p.mm.vmas().stream().filter(v -> v.name.equals("[stack]")).findFirst().orElseThrow().end;
        return new long[] {p.mm.mmapBase(), stackEnd, p.initialSp, p.mm.startBrk, p.vdsoBase};
    }

    @Test
    void randomisedLayoutsDifferInsideLinuxsWindows() throws Exception {
        long[] a = layout(), b = layout();
        for (long[] l : new long[][] {a, b}) {
            long gap = (8L << 20) + (AddressSpace.STACK_RND_MASK << 12) + (1L << 20);
            long mmapHi = STACK_TOP - gap, mmapLo = mmapHi - (((1L << 28) - 1) << 12);
            assertTrue(l[0] >= mmapLo && l[0] <= mmapHi && (l[0] & 0xFFF) == 0, "mmap base 0x" + Long.toHexString(l[0]));
            long stackLo = STACK_TOP - (AddressSpace.STACK_RND_MASK << 12) - 4096;
            assertTrue(l[1] >= stackLo && l[1] <= STACK_TOP && (l[1] & 0xFFF) == 0, "stack top 0x" + Long.toHexString(l[1]));
            assertTrue(l[2] < l[1] && l[1] - l[2] < 16384 && (l[2] & 0xF) == 0, "initial sp 0x" + Long.toHexString(l[2]));
            assertTrue(k.process.randomized);
        }
        assertNotEquals(a[0], b[0], "mmap base");
        assertNotEquals(a[1], b[1], "stack top");
    }

    @Test
    void noAslrIsSetarchRsLayout() throws Exception {
        cfg = cfg.withAslr(false);
        long[] a = layout(), b = layout();
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertEquals(0x7ffff7fff000L, a[0]);
        assertEquals(STACK_TOP, a[1]);
        assertEquals(0x7ffff7ffd000L, a[4], "the vDSO at the top of the mmap area");
    }

    @Test
    void aSeedRepeatsTheLayoutAndAtRandom() throws Exception {
        cfg = cfg.withAslrSeed(7L);
        long[] a = layout();
        byte[] ra = atRandom();
        long[] b = layout();
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertEquals(java.util.Arrays.toString(ra), java.util.Arrays.toString(atRandom()), "AT_RANDOM's bytes");
        cfg = cfg.withAslrSeed(8L);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(layout()));
    }

    /** The 16 bytes AT_RANDOM points at. */
    private byte[] atRandom() {
        long[] aux = k.process.auxv;
        for (int i = 0; i < aux.length; i += 2) {
            if (aux[i] == 25) {
                byte[] r = new byte[16];
                assertTrue(k.process.mm.copyFromUser(aux[i + 1], r, 0, 16));
                return r;
            }
        }
        throw new AssertionError("no AT_RANDOM");
    }

    /** kernel/exec_domain.c: 0xffffffff queries; anything else is stored unchecked; the old value is returned. */
    @Test
    void personalityQueriesAndStores() throws Exception {
        boot(Vfs.confined(root));
        assertEquals(0, call(PERSONALITY, 0xffffffffL));
        assertEquals(0, call(PERSONALITY, UserProcess.ADDR_NO_RANDOMIZE));
        assertEquals(UserProcess.ADDR_NO_RANDOMIZE, call(PERSONALITY, 0xffffffffL));
        assertEquals(UserProcess.ADDR_NO_RANDOMIZE, call(PERSONALITY, 0x8765_4321L));
        assertEquals(0x8765_4321L, call(PERSONALITY, 0xffff_ffffL), "returned as an unsigned int");
        assertEquals(0x8765_4321L, call(PERSONALITY, 0));
    }

    /** READ_IMPLIES_EXEC: mmap and mprotect add PROT_EXEC to PROT_READ while the persona has it. */
    @Test
    void readImpliesExecMakesReadableMappingsExecutable() throws Exception {
        boot(Vfs.confined(root));
        assertEquals(0, call(PERSONALITY, UserProcess.READ_IMPLIES_EXEC));
        long a = call(9, 0, 4096, Vma.PROT_READ, 0x22, -1, 0);
        assertTrue(a > 0);
        assertEquals(Vma.PROT_READ | Vma.PROT_EXEC, k.process.mm.find(a).prot);
        assertEquals(0, call(10, a, 4096, Vma.PROT_READ | Vma.PROT_WRITE));
        assertEquals(7, k.process.mm.find(a).prot);
        assertEquals(UserProcess.READ_IMPLIES_EXEC, call(PERSONALITY, 0));
        assertEquals(0, call(10, a, 4096, Vma.PROT_READ));
        assertEquals(Vma.PROT_READ, k.process.mm.find(a).prot);
    }
}
