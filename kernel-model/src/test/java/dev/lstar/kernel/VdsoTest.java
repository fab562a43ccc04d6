package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.kernel.vfs.Vfs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vDSO image (a shared object whose symbols a libc's vDSO lookup finds, with their LINUX_2.6
 * version), its placement ([vvar] then [vdso], where Linux 6.6 puts them for a static executable
 * without randomisation, and AT_SYSINFO_EHDR), the vvar page's contents and sequence count, and
 * the special mappings' rules (read-only vvar that cannot be made writable, its frame never freed).
 */
class VdsoTest extends FileSyscallsTestBase {
    static final int MPROTECT = 10, MUNMAP = 11, MADVISE = 28, CLOCK_GETTIME = 228, MADV_DONTNEED = 4;
    static final long VVAR = 0x7ffff7ff9000L, VDSO = 0x7ffff7ffd000L;

    @TempDir
    Path root;

    /** The fixed layout of setarch -R: the vDSO's addresses are known. */
    @Override
    KernelConfig config() {
        return super.config().withAslr(false);
    }

    @BeforeEach
    void setUp() throws Exception {
        boot(Vfs.confined(root));
    }

    // ---- the image, read as musl's __vdsosym and glibc's dl_vdso_vsym read it

    /** Finds {@code name}@{@code version} the way musl's vDSO lookup does: PT_DYNAMIC, DT_HASH's nchain, DT_VERSYM/DT_VERDEF. */
    static long lookup(byte[] so, String name, String version) {
        ByteBuffer b = ByteBuffer.wrap(so).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54), phnum = b.getShort(56);
        long base = -1, dyn = -1;
        for (int i = 0; i < phnum; i++) {
            int ph = (int) phoff + i * phentsize;
            int type = b.getInt(ph);
            long off = b.getLong(ph + 8), vaddr = b.getLong(ph + 16);
            if (type == 1 && base < 0) base = off - vaddr; // PT_LOAD: file offset of address 0
            if (type == 2) dyn = vaddr;                    // PT_DYNAMIC
        }
        assertTrue(base >= 0 && dyn >= 0, "PT_LOAD and PT_DYNAMIC");
        Map<Long, Long> d = new HashMap<>();
        for (int p = (int) (base + dyn); b.getLong(p) != 0; p += 16) d.put(b.getLong(p), b.getLong(p + 8));
        long strtab = d.get(5L), symtab = d.get(6L), hash = d.get(4L);
        assertTrue(d.containsKey(0x6ffffef5L), "DT_GNU_HASH too (glibc prefers it)");
        Long versym = d.get(0x6ffffff0L), verdef = d.get(0x6ffffffcL);
        int nsym = b.getInt((int) (base + hash) + 4);
        for (int i = 0; i < nsym; i++) {
            int s = (int) (base + symtab) + 24 * i;
            int info = b.get(s + 4) & 0xFF, shndx = b.getShort(s + 6) & 0xFFFF;
            if (shndx == 0 || (info & 0xF) != 2 || (info >> 4) == 0) continue; // defined global/weak functions only
            if (!cstring(b, (int) (base + strtab + (b.getInt(s) & 0xFFFFFFFFL))).equals(name)) continue;
            if (versym != null && verdef != null) {
                int ndx = b.getShort((int) (base + versym) + 2 * i) & 0x7FFF;
                if (!version.equals(verdefName(b, base, verdef, strtab, ndx))) continue;
            }
            return b.getLong(s + 8);
        }
        return -1;
    }

    static String verdefName(ByteBuffer b, long base, long verdef, long strtab, int ndx) {
        int p = (int) (base + verdef);
        while (true) {
            int vdNdx = b.getShort(p + 4) & 0xFFFF, aux = b.getInt(p + 12), next = b.getInt(p + 16);
            if (vdNdx == ndx) return cstring(b, (int) (base + strtab + (b.getInt(p + aux) & 0xFFFFFFFFL)));
            if (next == 0) return null;
            p += next;
        }
    }

    static String cstring(ByteBuffer b, int at) {
        int e = at;
        while (b.get(e) != 0) e++;
        return new String(b.array(), at, e - at, StandardCharsets.US_ASCII);
    }

    @Test
    void imageExportsTheFourFunctionsUnderLinux26() {
        byte[] so = Vdso.image();
        assertTrue(so.length <= Vdso.VDSO_PAGES * 4096);
        for (String f : new String[] {"clock_gettime", "gettimeofday", "time", "getcpu"}) {
            long v = lookup(so, "__vdso_" + f, "LINUX_2.6");
            assertTrue(v > 0 && v < so.length, "__vdso_" + f + "@LINUX_2.6");
            assertEquals(v, lookup(so, f, "LINUX_2.6"), "the plain alias of __vdso_" + f);
        }
        assertEquals(-1, lookup(so, "__vdso_clock_gettime", "LINUX_2.5"), "another version is not found");
        assertEquals(-1, lookup(so, "__vdso_clock_getres", "LINUX_2.6"), "clock_getres is not exported (libcs then make the system call)");
    }

    // ---- placement

    @Test
    void vvarThenVdsoBelowTheMmapBaseAndAnnouncedInAuxv() {
        String maps = new String(k.process.mapsText(), StandardCharsets.UTF_8);
        assertTrue(maps.contains(String.format("%x-%x r--p 00000000 00:00 0", VVAR, VDSO)), maps);
        assertTrue(maps.contains(String.format("%x-%x r-xp 00000000 00:00 0", VDSO, VDSO + 8192)), maps);
        int vvarLine = maps.indexOf("[vvar]"), vdsoLine = maps.indexOf("[vdso]");
        assertTrue(vvarLine > 0 && vdsoLine > vvarLine, maps);
        assertEquals(VDSO, k.process.vdsoBase);
        assertEquals(33L, k.process.auxv[0], "AT_SYSINFO_EHDR first (ARCH_DLINFO)");
        assertEquals(VDSO, k.process.auxv[1]);
        byte[] so = Vdso.image();
        assertArrayEquals(so, peek(VDSO, so.length), "the vDSO's bytes at AT_SYSINFO_EHDR");
        assertArrayEquals(new byte[8192 - so.length], peek(VDSO + so.length, 8192 - so.length), "zeros after it");
    }

    // ---- the vvar page

    @Test
    void vvarHoldsTheClocksUnderAnEvenSequenceCount() {
        byte[] page = peek(VVAR, 4096);
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, b.getInt(Vdso.VV_SEQ) & 1, "no update in progress");
        long mono = b.getLong(Vdso.VV_NS + 8), real = b.getLong(Vdso.VV_NS);
        long now = System.nanoTime();
        assertTrue(mono <= now && now - mono < 5_000_000_000L, "CLOCK_MONOTONIC is System.nanoTime() (" + mono + " vs " + now + ")");
        long wall = System.currentTimeMillis() * 1_000_000L;
        assertTrue(Math.abs(wall - real) < 5_000_000_000L, "CLOCK_REALTIME is the wall clock");
        for (int clk = 0; clk < 16; clk++) {
            long v = b.getLong(Vdso.VV_NS + 8 * clk);
            boolean served = (Vdso.SERVED_CLOCKS >>> clk & 1) != 0;
            assertEquals(served, v != 0, "clock " + clk + (served ? " is served" : " is not served"));
        }
        assertEquals(0L, b.getLong(Vdso.VV_TZ), "struct timezone: zeros, as the gettimeofday system call says");
    }

    @Test
    void publishingAdvancesTheSequenceByTwoAndTheClocks() {
        Vdso v = k.vdso;
        v.stopRefresh();
        int s0 = v.sequence();
        long m0 = v.published(1);
        v.publish();
        assertEquals(s0 + 2, v.sequence());
        assertTrue(v.published(1) >= m0);
        assertEquals(v.published(1), v.published(7), "BOOTTIME = MONOTONIC (no suspend)");
        assertEquals(v.published(0), v.published(11), "TAI = REALTIME, as in the system call");
    }

    /**
     * The order the native do_syscall_64 hook keeps (the system call, then a publication) leaves
     * the page not behind the value the call returned. That the hook really publishes is shown end
     * to end by vdso_time.c (a vDSO read right after the system call; VdsoTimeTest).
     */
    @Test
    void aPublicationAfterASystemCallIsNotBehindItsValue() {
        Vdso v = k.vdso;
        v.stopRefresh();
        long ts = buf(16);
        long before = v.publishCount();
        assertEquals(0, call(CLOCK_GETTIME, 1, ts));
        long sys = u64(ts, 0) * 1_000_000_000L + u64(ts, 8);
        v.publish();
        assertTrue(v.publishCount() > before);
        assertTrue(v.published(1) >= sys, "the page after the syscall is not behind the value it returned");
    }

    @Test
    void theTimerRefreshesThePage() throws InterruptedException {
        Vdso v = k.vdso;
        v.startRefresh(); // exec started it already: idempotent
        long c0 = v.publishCount();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (v.publishCount() < c0 + 5 && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(v.publishCount() >= c0 + 5, "the 1 kHz refresh ran (" + (v.publishCount() - c0) + " publications)");
        v.stopRefresh();
        long c1 = v.publishCount();
        Thread.sleep(30);
        assertTrue(v.publishCount() <= c1 + 1, "stopped");
    }

    @Test
    void seqcountReadersNeverSeeTheMonotonicClockGoBack() throws Exception {
        Vdso v = k.vdso;
        v.stopRefresh();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> { while (!stop.get()) v.publish(); });
        writer.start();
        try {
            var phys = k.machine.phys;
            long last = Long.MIN_VALUE, retries = 0;
            for (int i = 0; i < 200_000; i++) {
                long val;
                while (true) { // the vDSO's reader: seq (even), the value, seq unchanged
                    int s = phys.read32(v.framePa + Vdso.VV_SEQ);
                    if ((s & 1) != 0) { retries++; Thread.onSpinWait(); continue; }
                    val = phys.read64(v.framePa + Vdso.VV_NS + 8);
                    java.lang.invoke.VarHandle.loadLoadFence();
                    if (phys.read32(v.framePa + Vdso.VV_SEQ) == s) break;
                    retries++;
                }
                assertTrue(val >= last, "monotonic went back from " + last + " to " + val);
                last = val;
            }
            assertTrue(retries >= 0);
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    // ---- the special mappings' rules

    @Test
    void vvarIsReadOnlyAndCannotBeMadeWritable() {
        assertEquals(-Errno.EACCES, call(MPROTECT, VVAR, 4096, 3), "no VM_MAYWRITE");
        assertEquals(-Errno.EFAULT, call(CLOCK_GETTIME, 0, VVAR + 0x100), "the kernel cannot write it either");
        assertFalse(k.process.mm.copyFromUser(VVAR + 4096, new byte[8], 0, 8), "the pvclock/hvclock/timens pages are never present");
        assertEquals(0, call(MPROTECT, VDSO, 8192, 3), "the vDSO may be made writable (a debugger's breakpoints)");
    }

    @Test
    void droppingOrUnmappingTheVvarPageKeepsTheKernelsFrame() {
        Vdso v = k.vdso;
        v.stopRefresh();
        assertEquals(0, call(MADVISE, VVAR, 4096, MADV_DONTNEED));
        v.publish();
        long seen = Syscalls.le64(peek(VVAR + Vdso.VV_NS + 8, 8), 0);
        assertEquals(v.published(1), seen, "refaulted: the same frame, current values");
        long rss = k.process.mm.rssPages();
        assertEquals(0, call(MUNMAP, VVAR, 4 * 4096));
        assertEquals(rss, k.process.mm.rssPages(), "the vvar page is not the process's memory (not in its RSS)");
        v.publish(); // still the kernel's frame: publishing after the unmap is harmless
        assertTrue(v.sequence() % 2 == 0);
        assertFalse(k.process.mm.copyFromUser(VVAR, new byte[8], 0, 8), "gone from the address space");
    }
}
