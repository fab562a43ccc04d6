package dev.lstar.runtime.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.mem.PhysicalMemory;
import org.junit.jupiter.api.function.Executable;

/**
 * A Linux-shaped machine in paged memory for the system-helper tests: 4-level page tables with a
 * supervisor direct map of the first 32 MiB at {@link #KBASE} (Linux's page_offset_base) and a
 * user region at {@link #USER}; a GDT laid out like Linux's (arch/x86/include/asm/segment.h); a
 * 64-bit IDT; a 64-bit TSS with RSP0 and IST1; STAR/LSTAR/FMASK as syscall_init() writes them.
 */
class SysFixture {
    static final long MiB = 1L << 20;
    static final long KBASE = 0xFFFF_8880_0000_0000L;
    static final long USER = 0x0000_0000_4000_0000L;
    static final long USER_PHYS = 32 * MiB;

    // physical layout (kernel virtual = KBASE + phys)
    static final long GDT_PHYS = 0x10000, IDT_PHYS = 0x11000, TSS_PHYS = 0x12000, SCRATCH_PHYS = 0x13000;
    static final long RSP0_TOP_PHYS = 0x20000, IST1_TOP_PHYS = 0x30000, KSTACK_TOP_PHYS = 0x40000;
    static final long TABLES_PHYS = 0x100000;

    static final long GDT = KBASE + GDT_PHYS, IDT = KBASE + IDT_PHYS, TSS = KBASE + TSS_PHYS, SCRATCH = KBASE + SCRATCH_PHYS;
    static final long RSP0_TOP = KBASE + RSP0_TOP_PHYS, IST1_TOP = KBASE + IST1_TOP_PHYS, KSTACK_TOP = KBASE + KSTACK_TOP_PHYS;
    static final long USTACK_TOP = USER + 0x10_0000;
    static final long ENTRY_SYSCALL = KBASE + 0x200000, HANDLER_BASE = KBASE + 0x300000;

    // Linux selectors
    static final int KERNEL32_CS = 0x08, KERNEL_CS = 0x10, KERNEL_DS = 0x18, USER32_CS = 0x23, USER_DS = 0x2B,
            USER_CS = 0x33, TSS_SEL = 0x40;
    static final long LINUX_STAR = 0x0023_0010_0000_0000L;
    static final long LINUX_FMASK = 0x257FD5L;
    static final int GDT_LIMIT = 16 * 8 - 1;

    final Vendor vendor;
    final PhysicalMemory phys = new PhysicalMemory(64 * MiB);
    final Cpu cpu;
    final Mmu mmu;
    private long nextTable = TABLES_PHYS;
    long pml4;

    SysFixture(Vendor vendor) {
        this.vendor = vendor;
        cpu = new Cpu(vendor);
        mmu = new Mmu(cpu, phys);
        cpu.mmu = mmu;
        buildPageTables();
        cpu.cr0 = Cpu.CR0_PE | Cpu.CR0_MP | Cpu.CR0_ET | Cpu.CR0_NE | Cpu.CR0_WP | Cpu.CR0_AM | Cpu.CR0_PG; // 0x80050033
        cpu.cr4 = Cpu.CR4_PAE | Cpu.CR4_PGE;
        cpu.efer = Cpu.EFER_SCE | Cpu.EFER_LME | Cpu.EFER_LMA | Cpu.EFER_NXE;
        cpu.cr3 = pml4;
        mmu.flushAll();

        buildGdt();
        cpu.gdtrBase = GDT;
        cpu.gdtrLimit = GDT_LIMIT;
        cpu.idtrBase = IDT;
        cpu.idtrLimit = 256 * 16 - 1;
        for (int v = 0; v < 256; v++) setGate(v, handler(v), 0, 0, Segments.SYS_INT_GATE, true);
        setGate(0x80, handler(0x80), 0, 3, Segments.SYS_TRAP_GATE, true);
        setGate(CpuException.BP, handler(CpuException.BP), 0, 3, Segments.SYS_INT_GATE, true);
        setGate(CpuException.DF, handler(CpuException.DF), 1, 0, Segments.SYS_INT_GATE, true);
        // TSS: RSP0 and IST1
        writeSys64(TSS + Interrupts.TSS_RSP0, RSP0_TOP);
        writeSys64(TSS + Interrupts.TSS_IST1, IST1_TOP);
        cpu.cpl = 0;
        Segments.ltr(cpu, TSS_SEL);

        cpu.star = LINUX_STAR;
        cpu.lstar = ENTRY_SYSCALL;
        cpu.fmask = LINUX_FMASK;
        kernelMode();
    }

    /** Handler address for vector {@code v} (distinct per vector). */
    static long handler(int v) {
        return HANDLER_BASE + v * 0x40L;
    }

    // ------------------------------------------------------------------ paging

    private long allocTable() {
        long t = nextTable;
        nextTable += 4096;
        phys.fill(t, 0, 4096);
        return t;
    }

    /** Maps 2 MiB page {@code la} to {@code pa} with leaf {@code flags} (P, RW, US...). */
    void map2m(long la, long pa, long flags) {
        long table = pml4;
        for (int level = 4; level > 2; level--) {
            int idx = (int) (la >>> (3 + 9 * level)) & 511;
            long ea = table + 8L * idx;
            long e = phys.read64(ea);
            if ((e & 1) == 0) {
                e = allocTable() | 0x7; // P | RW | US: the leaf decides
                phys.write64(ea, e);
            }
            table = e & 0x000F_FFFF_FFFF_F000L;
        }
        phys.write64(table + 8L * ((int) (la >>> 21) & 511), pa | flags | 0x80 /* PS */);
    }

    private void buildPageTables() {
        pml4 = allocTable();
        for (long off = 0; off < 32 * MiB; off += 2 * MiB) map2m(KBASE + off, off, 0x3);          // P|RW, supervisor
        for (long off = 0; off < 8 * MiB; off += 2 * MiB) map2m(USER + off, USER_PHYS + off, 0x7); // P|RW|US
    }

    /** Removes the 2 MiB mapping of {@code la} and flushes. */
    void unmap2m(long la) {
        long table = pml4;
        for (int level = 4; level > 2; level--) {
            int idx = (int) (la >>> (3 + 9 * level)) & 511;
            table = phys.read64(table + 8L * idx) & 0x000F_FFFF_FFFF_F000L;
        }
        phys.write64(table + 8L * ((int) (la >>> 21) & 511), 0);
        mmu.flushAll();
    }

    // ------------------------------------------------------------------ descriptors

    /** A code/data descriptor in Linux's GDT_ENTRY_INIT(flags, base, limit) form. */
    static long desc(int flags, long base, long limit) {
        return (limit & 0xFFFF) | ((base & 0xFF_FFFFL) << 16) | ((long) (flags & 0xF0FF) << 40)
                | (((limit >>> 16) & 0xF) << 48) | (((base >>> 24) & 0xFF) << 56);
    }

    void setDesc(int selector, long d) {
        writeSys64(GDT + (selector & ~7), d);
    }

    long getDesc(int selector) {
        return mmu.readSys64(GDT + (selector & ~7));
    }

    /** A 16-byte system descriptor (TSS/LDT) at {@code selector}. */
    void setSysDesc(int selector, int type, int dpl, boolean present, long base, long limit) {
        long lo = (limit & 0xFFFF) | ((base & 0xFF_FFFFL) << 16) | ((long) (type | (dpl << 5) | (present ? 0x80 : 0)) << 40)
                | (((limit >>> 16) & 0xF) << 48) | (((base >>> 24) & 0xFF) << 56);
        writeSys64(GDT + (selector & ~7), lo);
        writeSys64(GDT + (selector & ~7) + 8, base >>> 32);
    }

    private void buildGdt() {
        setDesc(0, 0);
        setDesc(KERNEL32_CS, desc(0xc09b, 0, 0xfffff));
        setDesc(KERNEL_CS, desc(0xa09b, 0, 0xfffff));
        setDesc(KERNEL_DS, desc(0xc093, 0, 0xfffff));
        setDesc(USER32_CS, desc(0xc0fb, 0, 0xfffff));
        setDesc(USER_DS, desc(0xc0f3, 0, 0xfffff));
        setDesc(USER_CS, desc(0xa0fb, 0, 0xfffff));
        setSysDesc(TSS_SEL, Segments.SYS_TSS_AVAIL, 0, true, TSS, 0x67);
    }

    /** Writes a 16-byte IDT gate. */
    void setGate(int vector, long target, int ist, int dpl, int type, boolean present) {
        setGateRaw(vector, KERNEL_CS, target, ist, dpl, type, present);
    }

    void setGateRaw(int vector, int selector, long target, int ist, int dpl, int type, boolean present) {
        long lo = (target & 0xFFFF) | ((long) selector << 16) | ((long) (ist & 7) << 32)
                | ((long) (type | (dpl << 5) | (present ? 0x80 : 0)) << 40) | ((target & 0xFFFF_0000L) << 32);
        writeSys64(IDT + vector * 16L, lo);
        writeSys64(IDT + vector * 16L + 8, target >>> 32);
    }

    // ------------------------------------------------------------------ CPU states

    /** CPL 0 on the kernel stack with CS = __KERNEL_CS, SS = __KERNEL_DS, DS = ES = 0. */
    void kernelMode() {
        cpu.cpl = 0;
        loadFromGdt(Cpu.CS, KERNEL_CS);
        loadFromGdt(Cpu.SS, KERNEL_DS);
        nullSeg(Cpu.DS);
        nullSeg(Cpu.ES);
        nullSeg(Cpu.FS);
        nullSeg(Cpu.GS);
        cpu.r[Cpu.RSP] = KSTACK_TOP;
        cpu.setRflags(0x2);
        cpu.rip = KBASE + 0x1000;
    }

    /** CPL 3 in 64-bit user mode: CS = __USER_CS, SS = DS = ES = __USER_DS, IF set. */
    void userMode() {
        cpu.cpl = 3;
        loadFromGdt(Cpu.CS, USER_CS);
        loadFromGdt(Cpu.SS, USER_DS);
        loadFromGdt(Cpu.DS, USER_DS);
        loadFromGdt(Cpu.ES, USER_DS);
        nullSeg(Cpu.FS);
        nullSeg(Cpu.GS);
        cpu.r[Cpu.RSP] = USTACK_TOP - 0x100;
        cpu.setRflags(0x202);
        cpu.rip = USER + 0x1000;
    }

    void loadFromGdt(int seg, int selector) {
        Segments.loadCache(cpu, seg, selector, getDesc(selector));
    }

    void nullSeg(int seg) {
        cpu.segSel[seg] = 0;
        cpu.segAttr[seg] = Cpu.ATTR_UNUSABLE;
        cpu.segLimit[seg] = 0;
    }

    // ------------------------------------------------------------------ memory helpers

    void writeSys64(long la, long v) {
        mmu.writeSys64(la, v);
    }

    long readSys64(long la) {
        return mmu.readSys64(la);
    }

    /** Builds an IRET frame at the current RSP (RIP, CS, RFLAGS, RSP, SS). */
    void iretFrame(long rip, int cs, long rflags, long rsp, int ss) {
        long sp = cpu.r[Cpu.RSP];
        writeSys64(sp, rip);
        writeSys64(sp + 8, cs);
        writeSys64(sp + 16, rflags);
        writeSys64(sp + 24, rsp);
        writeSys64(sp + 32, ss);
    }

    /** A deep copy of the architectural state the helpers touch, for "nothing changed" assertions. */
    record Snapshot(long[] r, long rip, long rflags, int cpl, int[] sel, long[] base, int[] limit, int[] attr,
                    long kernelGsBase, long cr2, long cr3, long cr4, long cr0, long efer) {
        static Snapshot of(Cpu c) {
            return new Snapshot(c.r.clone(), c.rip, c.getRflags(), c.cpl, c.segSel.clone(), c.segBase.clone(),
                    c.segLimit.clone(), c.segAttr.clone(), c.kernelGsBase, c.cr2, c.cr3, c.cr4, c.cr0, c.efer);
        }

        void assertSame(Cpu c) {
            Snapshot now = of(c);
            assertEquals(java.util.Arrays.toString(r), java.util.Arrays.toString(now.r), "GPRs");
            assertEquals(rip, now.rip, "RIP");
            assertEquals(rflags, now.rflags, "RFLAGS");
            assertEquals(cpl, now.cpl, "CPL");
            assertEquals(java.util.Arrays.toString(sel), java.util.Arrays.toString(now.sel), "selectors");
            assertEquals(java.util.Arrays.toString(base), java.util.Arrays.toString(now.base), "bases");
            assertEquals(java.util.Arrays.toString(limit), java.util.Arrays.toString(now.limit), "limits");
            assertEquals(java.util.Arrays.toString(attr), java.util.Arrays.toString(now.attr), "attributes");
            assertEquals(kernelGsBase, now.kernelGsBase, "KERNEL_GS_BASE");
            assertEquals(cr0, now.cr0, "CR0");
            assertEquals(cr2, now.cr2, "CR2");
            assertEquals(cr3, now.cr3, "CR3");
            assertEquals(cr4, now.cr4, "CR4");
            assertEquals(efer, now.efer, "EFER");
        }
    }

    // ------------------------------------------------------------------ assertions

    static CpuException fault(Executable e) {
        return assertThrows(CpuException.class, e);
    }

    static void assertFault(int vector, int errorCode, Executable e) {
        CpuException x = fault(e);
        assertEquals(CpuException.vectorName(vector) + "(0x" + Integer.toHexString(errorCode) + ")",
                x.describe().replaceAll(" at 0x.*", ""), () -> "got " + x.describe() + ": " + x.getMessage());
    }

    static void assertGp0(Executable e) {
        assertFault(CpuException.GP, 0, e);
    }

    static void assertUd(Executable e) {
        CpuException x = fault(e);
        assertEquals(CpuException.UD, x.vector, () -> "expected #UD, got " + x.describe() + ": " + x.getMessage());
    }
}
