package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Vendor;

/**
 * Segment descriptors and the descriptor-table registers in IA-32e mode: decoding GDT/LDT
 * entries, segment-register loads (MOV/POP Sreg) with their protection checks, LGDT/LIDT/SGDT/SIDT,
 * LTR/STR, LLDT/SLDT, SMSW, LAR and LSL.
 *
 * <p>Descriptor layout (Intel SDM Vol. 3A §3.4.5, figure 3-8): limit 15:0 in bits 0..15, base 23:0
 * in 16..39, access byte (type, S, DPL, P) in 40..47, limit 19:16 in 48..51, AVL/L/D-B/G in 52..55,
 * base 31:24 in 56..63. System descriptors (LDT, TSS) are 16 bytes in IA-32e mode, the second
 * quadword holding base 63:32 (SDM Vol. 3A §7.2.3, "TSS Descriptor in 64-bit mode").
 *
 * <p>The hidden cache is {@code cpu.segBase/segLimit/segAttr}; {@code segAttr} holds the descriptor
 * bits 40..55 shifted down (limit 19:16 masked out), plus {@link Cpu#ATTR_UNUSABLE} for a NULL load.
 * In 64-bit mode the engine treats the CS/DS/ES/SS bases as 0 itself; this class keeps the cache
 * exactly as the descriptor says, as hardware does.
 */
public final class Segments {
    private Segments() {}

    /** Descriptor type-field bits for code/data segments (S = 1). SDM Vol. 3A §3.4.5.1, table 3-1. */
    public static final int TYPE_ACCESSED = 1, TYPE_WRITABLE = 2, TYPE_READABLE = 2, TYPE_CONFORMING = 4, TYPE_CODE = 8;
    /** System descriptor types in IA-32e mode (SDM Vol. 3A table 3-2). */
    public static final int SYS_LDT = 2, SYS_TSS_AVAIL = 9, SYS_TSS_BUSY = 11, SYS_CALL_GATE = 12,
            SYS_INT_GATE = 14, SYS_TRAP_GATE = 15;

    /** Attribute word of a 64-bit ring-0 code segment (0xa09b, Linux __KERNEL_CS). */
    public static final int ATTR_CODE64_DPL0 = 0xA09B;
    /** Attribute word of a flat ring-0 data segment (0xc093, Linux __KERNEL_DS). */
    public static final int ATTR_DATA_DPL0 = 0xC093;
    /** 64-bit ring-3 code (0xa0fb, __USER_CS). */
    public static final int ATTR_CODE64_DPL3 = 0xA0FB;
    /** 32-bit ring-3 code (0xc0fb, __USER32_CS). */
    public static final int ATTR_CODE32_DPL3 = 0xC0FB;
    /** Flat ring-3 data (0xc0f3, __USER_DS). */
    public static final int ATTR_DATA_DPL3 = 0xC0F3;

    // ------------------------------------------------------------------ descriptor decoding

    /** The cached attribute word of raw descriptor {@code d}: bits 40..55 without limit 19:16. */
    public static int attrOf(long d) {
        return (int) (d >>> 40) & 0xF0FF;
    }

    /** Base 31:0 of an 8-byte descriptor (zero-extended). */
    public static long baseOf(long d) {
        return ((d >>> 16) & 0xFF_FFFFL) | ((d >>> 32) & 0xFF00_0000L);
    }

    /** Byte-granular limit (G applied) of an 8-byte descriptor; 0xFFFFFFFF is returned as -1. */
    public static int limitOf(long d) {
        int raw = (int) (d & 0xFFFF) | (int) ((d >>> 32) & 0xF_0000);
        return (d & (1L << 55)) != 0 ? (raw << 12) | 0xFFF : raw;
    }

    public static int dplOf(int attr) { return (attr >> 5) & 3; }
    public static int typeOf(int attr) { return attr & 0xF; }
    public static boolean present(int attr) { return (attr & Cpu.ATTR_P) != 0; }
    /** Code or data (S = 1) segment. */
    public static boolean isCodeData(int attr) { return (attr & Cpu.ATTR_S) != 0; }
    public static boolean isCode(int attr) { return (attr & (Cpu.ATTR_S | TYPE_CODE)) == (Cpu.ATTR_S | TYPE_CODE); }
    public static boolean isConformingCode(int attr) { return isCode(attr) && (attr & TYPE_CONFORMING) != 0; }
    /** Writable data segment (S = 1, code bit clear, W set). */
    public static boolean isWritableData(int attr) {
        return (attr & (Cpu.ATTR_S | TYPE_CODE | TYPE_WRITABLE)) == (Cpu.ATTR_S | TYPE_WRITABLE);
    }

    /** Error code naming a selector: the selector with RPL cleared (TI kept, EXT = 0). SDM Vol. 3A §6.13. */
    public static int selErr(int selector) {
        return selector & 0xFFFC;
    }

    /** Whether a selector is NULL (index 0 in the GDT; the RPL is ignored). */
    public static boolean isNull(int selector) {
        return (selector & 0xFFFC) == 0;
    }

    // ------------------------------------------------------------------ table access

    /**
     * Linear address of the descriptor named by {@code selector}, which must fit {@code size}
     * (8 or 16) bytes within its table; #GP(selector) otherwise, or when TI = 1 and the LDTR is
     * unusable (SDM Vol. 3A §3.5.1, and the "descriptor table limit" checks of MOV/LTR/IRET).
     */
    public static long descriptorAddress(Cpu cpu, int selector, int size) {
        long base;
        int limit;
        if ((selector & 4) != 0) {
            if ((cpu.ldtrAttr & Cpu.ATTR_UNUSABLE) != 0 || isNull(cpu.ldtrSel)) {
                throw CpuException.gp(selErr(selector), "LDT selector with no LDT loaded");
            }
            base = cpu.ldtrBase;
            limit = cpu.ldtrLimit;
        } else {
            base = cpu.gdtrBase;
            limit = cpu.gdtrLimit;
        }
        long last = (long) (selector & 0xFFF8) + size - 1;
        if (last > (limit & 0xFFFF_FFFFL)) {
            throw CpuException.gp(selErr(selector), "selector 0x" + Integer.toHexString(selector) + " beyond table limit");
        }
        return base + (selector & 0xFFF8);
    }

    /** Reads the 8-byte descriptor of {@code selector} (implicit supervisor access). #GP(sel) if beyond the limit. */
    public static long readDescriptor(Cpu cpu, int selector) {
        return cpu.mmu.readSys64(descriptorAddress(cpu, selector, 8));
    }

    /** Sets the accessed bit of a code/data descriptor in memory if it is clear (SDM Vol. 3A §3.4.5.1). */
    static long setAccessed(Cpu cpu, int selector, long d) {
        if ((d & (1L << 40)) == 0) {
            d |= 1L << 40;
            cpu.mmu.writeSys64(descriptorAddress(cpu, selector, 8), d);
        }
        return d;
    }

    /** Loads selector and hidden cache of {@code seg} from raw descriptor {@code d}. */
    public static void loadCache(Cpu cpu, int seg, int selector, long d) {
        cpu.segSel[seg] = selector & 0xFFFF;
        cpu.segBase[seg] = baseOf(d);
        cpu.segLimit[seg] = limitOf(d);
        cpu.segAttr[seg] = attrOf(d);
    }

    /** Loads a flat (base 0, limit 4 GiB) cache with the given attribute word. Used by SYSCALL/SYSRET. */
    static void loadFlat(Cpu cpu, int seg, int selector, int attr) {
        cpu.segSel[seg] = selector & 0xFFFF;
        cpu.segBase[seg] = 0;
        cpu.segLimit[seg] = -1;
        cpu.segAttr[seg] = attr;
    }

    // ------------------------------------------------------------------ MOV / POP Sreg

    /**
     * MOV Sreg, r/m16 and POP Sreg for {@code seg} = ES, SS, DS, FS or GS (MOV to CS is #UD and is
     * the decoder's business). Applies the checks of the SDM MOV pseudocode (Vol. 2B, "MOV—Move",
     * protected-mode and 64-bit-mode exceptions), sets the descriptor's accessed bit and loads the
     * hidden cache. On a fault nothing is changed.
     *
     * <p>NULL selectors: DS/ES/FS/GS may always be loaded with NULL (the cache becomes unusable);
     * SS may be NULL only in 64-bit mode at CPL &lt; 3 with RPL = CPL, else #GP(0). A NULL load into
     * FS/GS clears the base on Intel but keeps it on AMD (Linux {@code X86_BUG_NULL_SEG},
     * arch/x86/kernel/process_64.c {@code load_seg_legacy}; AMD APM Vol. 2 §4.5.3).
     *
     * <p>Engine: compute the selector operand first; on return, continue with the next
     * instruction. After a load of SS the engine must inhibit interrupts and debug traps for one
     * instruction (SDM Vol. 2B MOV: "loading the SS register... inhibits all interrupts").
     */
    public static void loadSegment(Cpu cpu, int seg, int selector) {
        selector &= 0xFFFF;
        if (seg == Cpu.CS || seg < 0 || seg > Cpu.GS) {
            throw new IllegalArgumentException("loadSegment: bad segment register " + seg);
        }
        int rpl = selector & 3;
        int cpl = cpu.cpl;
        if (isNull(selector)) {
            if (seg == Cpu.SS) {
                // SDM MOV, 64-bit mode exceptions: #GP(0) for NULL SS at CPL 3 or with RPL != CPL;
                // outside 64-bit mode a NULL SS is always #GP(0).
                if (!cpu.is64BitCode() || cpl == 3 || rpl != cpl) {
                    throw CpuException.gp0("NULL selector loaded into SS");
                }
                loadNullSs(cpu, selector);
            } else {
                loadNullData(cpu, seg, selector);
            }
            return;
        }
        long d = readDescriptor(cpu, selector);
        int attr = attrOf(d);
        int dpl = dplOf(attr);
        if (seg == Cpu.SS) {
            if (rpl != cpl || !isWritableData(attr) || dpl != cpl) {
                throw CpuException.gp(selErr(selector), "bad SS selector 0x" + Integer.toHexString(selector));
            }
            if (!present(attr)) {
                throw CpuException.ss(selErr(selector), "SS segment not present");
            }
        } else {
            boolean readableCode = isCode(attr) && (attr & TYPE_READABLE) != 0;
            boolean data = isCodeData(attr) && !isCode(attr);
            if (!(data || readableCode)) {
                throw CpuException.gp(selErr(selector), "not a data or readable code segment");
            }
            // data or non-conforming code: RPL and CPL must both be <= DPL
            if ((data || !isConformingCode(attr)) && (rpl > dpl || cpl > dpl)) {
                throw CpuException.gp(selErr(selector), "segment DPL below CPL/RPL");
            }
            if (!present(attr)) {
                throw CpuException.np(selErr(selector), "segment not present");
            }
        }
        d = setAccessed(cpu, selector, d);
        loadCache(cpu, seg, selector, d);
    }

    /** NULL load of DS/ES/FS/GS (also used when IRET invalidates data segments). */
    static void loadNullData(Cpu cpu, int seg, int selector) {
        cpu.segSel[seg] = selector & 0xFFFF;
        cpu.segAttr[seg] = Cpu.ATTR_UNUSABLE;
        cpu.segLimit[seg] = 0;
        if (seg == Cpu.FS || seg == Cpu.GS) {
            if (cpu.vendor == Vendor.INTEL) cpu.segBase[seg] = 0;
            // AMD without NullSelectorClearsBase (CPUID 0x80000021 EAX[6], not advertised): base kept.
        } else {
            cpu.segBase[seg] = 0;
        }
    }

    /** NULL SS as loaded by a 64-bit privilege-changing interrupt or MOV SS: unusable, DPL = RPL. */
    static void loadNullSs(Cpu cpu, int selector) {
        cpu.segSel[Cpu.SS] = selector & 0xFFFF;
        cpu.segBase[Cpu.SS] = 0;
        cpu.segLimit[Cpu.SS] = 0;
        cpu.segAttr[Cpu.SS] = Cpu.ATTR_UNUSABLE | ((selector & 3) << 5);
    }

    // ------------------------------------------------------------------ descriptor-table registers

    private static void requireCpl0(Cpu cpu, String what) {
        if (cpu.cpl != 0) throw CpuException.gp0(what + " at CPL " + cpu.cpl);
    }

    private static void umipCheck(Cpu cpu, String what) {
        // SDM Vol. 3A §2.5 CR4.UMIP: SGDT, SIDT, SLDT, SMSW and STR are #GP(0) at CPL > 0.
        if ((cpu.cr4 & Cpu.CR4_UMIP) != 0 && cpu.cpl > 0) throw CpuException.gp0(what + " with CR4.UMIP at CPL " + cpu.cpl);
    }

    /**
     * LGDT m16&amp;64: reads the 10-byte pseudo-descriptor at linear address {@code la} (64-bit mode
     * always uses an 8-byte base, SDM Vol. 2A LGDT). #GP(0) at CPL &gt; 0 or for a non-canonical base.
     * Engine: pass the effective linear address of the memory operand.
     */
    public static void lgdt(Cpu cpu, long la) {
        requireCpl0(cpu, "LGDT");
        int limit = cpu.mmu.read16(la);
        long base = cpu.mmu.read64(la + 2);
        if (!Features.canonicalForLoad(base)) throw CpuException.gp0("LGDT non-canonical base");
        cpu.gdtrLimit = limit;
        cpu.gdtrBase = base;
    }

    /** LIDT m16&amp;64; same rules as {@link #lgdt}. */
    public static void lidt(Cpu cpu, long la) {
        requireCpl0(cpu, "LIDT");
        int limit = cpu.mmu.read16(la);
        long base = cpu.mmu.read64(la + 2);
        if (!Features.canonicalForLoad(base)) throw CpuException.gp0("LIDT non-canonical base");
        cpu.idtrLimit = limit;
        cpu.idtrBase = base;
    }

    /** SGDT m: stores limit (2 bytes) and base (8 bytes) at {@code la}; #GP(0) under CR4.UMIP at CPL &gt; 0. */
    public static void sgdt(Cpu cpu, long la) {
        umipCheck(cpu, "SGDT");
        cpu.mmu.write16(la, cpu.gdtrLimit);
        cpu.mmu.write64(la + 2, cpu.gdtrBase);
    }

    /** SIDT m; as {@link #sgdt}. */
    public static void sidt(Cpu cpu, long la) {
        umipCheck(cpu, "SIDT");
        cpu.mmu.write16(la, cpu.idtrLimit);
        cpu.mmu.write64(la + 2, cpu.idtrBase);
    }

    /**
     * Reads the 16-byte system descriptor of {@code selector} from the GDT into {@code out[0..1]}
     * and checks the second quadword's type field is 0 (SDM Vol. 3A §7.2.3: bits 12:8 of the upper
     * doubleword must be zero). #GP(sel) on failure.
     */
    private static long readSystemDescriptor(Cpu cpu, int selector, long[] out) {
        long addr = descriptorAddress(cpu, selector, 16);
        long lo = cpu.mmu.readSys64(addr);
        long hi = cpu.mmu.readSys64(addr + 8);
        if (((hi >>> 40) & 0x1F) != 0) throw CpuException.gp(selErr(selector), "16-byte descriptor upper type field not 0");
        out[0] = lo;
        out[1] = hi;
        return addr;
    }

    /**
     * LTR r/m16 (SDM Vol. 2A LTR): CPL 0; the selector must be a non-NULL GDT selector naming a
     * present, available 64-bit TSS (#GP(0) for NULL, #GP(sel) for TI = 1/wrong type/limit or a
     * non-canonical base, #NP(sel) if not present). Marks the descriptor busy in memory.
     */
    public static void ltr(Cpu cpu, int selector) {
        selector &= 0xFFFF;
        requireCpl0(cpu, "LTR");
        if (isNull(selector)) throw CpuException.gp0("LTR with NULL selector");
        if ((selector & 4) != 0) throw CpuException.gp(selErr(selector), "LTR with LDT selector");
        long[] q = new long[2];
        long addr = readSystemDescriptor(cpu, selector, q);
        int attr = attrOf(q[0]);
        if (isCodeData(attr) || typeOf(attr) != SYS_TSS_AVAIL) {
            throw CpuException.gp(selErr(selector), "LTR: not an available 64-bit TSS");
        }
        if (!present(attr)) throw CpuException.np(selErr(selector), "LTR: TSS not present");
        long base = baseOf(q[0]) | (q[1] << 32);
        if (!Features.canonicalForLoad(base)) throw CpuException.gp(selErr(selector), "LTR: non-canonical TSS base");
        long busy = q[0] | ((long) (SYS_TSS_BUSY ^ SYS_TSS_AVAIL) << 40);
        cpu.mmu.writeSys64(addr, busy);
        cpu.trSel = selector;
        cpu.trBase = base;
        cpu.trLimit = limitOf(busy);
        cpu.trAttr = attrOf(busy);
    }

    /** STR: returns the TR selector (engine zero-extends to a register or stores 16 bits). */
    public static int str(Cpu cpu) {
        umipCheck(cpu, "STR");
        return cpu.trSel;
    }

    /**
     * LLDT r/m16 (SDM Vol. 2A LLDT): CPL 0; NULL makes the LDTR unusable; otherwise a GDT
     * selector naming a present LDT descriptor (#GP(sel) / #NP(sel)).
     */
    public static void lldt(Cpu cpu, int selector) {
        selector &= 0xFFFF;
        requireCpl0(cpu, "LLDT");
        if (isNull(selector)) {
            cpu.ldtrSel = selector;
            cpu.ldtrAttr = Cpu.ATTR_UNUSABLE;
            cpu.ldtrBase = 0;
            cpu.ldtrLimit = 0;
            return;
        }
        if ((selector & 4) != 0) throw CpuException.gp(selErr(selector), "LLDT with LDT selector");
        long[] q = new long[2];
        readSystemDescriptor(cpu, selector, q);
        int attr = attrOf(q[0]);
        if (isCodeData(attr) || typeOf(attr) != SYS_LDT) throw CpuException.gp(selErr(selector), "LLDT: not an LDT descriptor");
        if (!present(attr)) throw CpuException.np(selErr(selector), "LLDT: LDT not present");
        long base = baseOf(q[0]) | (q[1] << 32);
        if (!Features.canonicalForLoad(base)) throw CpuException.gp(selErr(selector), "LLDT: non-canonical base");
        cpu.ldtrSel = selector;
        cpu.ldtrBase = base;
        cpu.ldtrLimit = limitOf(q[0]);
        cpu.ldtrAttr = attr;
    }

    /** SLDT: returns the LDTR selector. */
    public static int sldt(Cpu cpu) {
        umipCheck(cpu, "SLDT");
        return cpu.ldtrSel;
    }

    /** SMSW: returns CR0 (the engine keeps 16 bits for a memory destination). #GP(0) under UMIP at CPL &gt; 0. */
    public static long smsw(Cpu cpu) {
        umipCheck(cpu, "SMSW");
        return cpu.cr0;
    }

    // ------------------------------------------------------------------ LAR / LSL

    /**
     * Common LAR/LSL visibility test (SDM Vol. 2A LAR, LSL): returns the descriptor, or 0 when the
     * instruction must just clear ZF (NULL, beyond the limit, wrong type, or not visible at
     * CPL/RPL). {@code lar} selects LAR's set of valid system types.
     */
    private static long visibleDescriptor(Cpu cpu, int selector, boolean lar) {
        selector &= 0xFFFF;
        if (isNull(selector)) return 0;
        long d;
        try {
            d = readDescriptor(cpu, selector);
        } catch (CpuException e) {
            if (e.vector == CpuException.GP) return 0; // beyond the table limit: ZF = 0, no fault
            throw e;
        }
        int attr = attrOf(d);
        if (!isCodeData(attr)) {
            int t = typeOf(attr);
            // 64-bit mode: LDT, available/busy 64-bit TSS (and for LAR the 64-bit call gate).
            boolean ok = t == SYS_LDT || t == SYS_TSS_AVAIL || t == SYS_TSS_BUSY || (lar && t == SYS_CALL_GATE);
            if (!ok) return 0;
        }
        if (!isConformingCode(attr)) {
            int dpl = dplOf(attr);
            if (dpl < cpu.cpl || dpl < (selector & 3)) return 0;
        }
        return d;
    }

    /**
     * LAR: returns the access-rights dword (descriptor bits 32..63 masked with 0x00F0FF00), or -1
     * when ZF must be cleared and the destination left unchanged. Engine sets ZF = (result != -1).
     */
    public static long lar(Cpu cpu, int selector) {
        long d = visibleDescriptor(cpu, selector, true);
        if (d == 0) return -1;
        return (d >>> 32) & 0x00F0_FF00L;
    }

    /**
     * LSL: returns the byte-granular segment limit (zero-extended), or -1 when ZF must be cleared.
     * Engine sets ZF = (result != -1). Linux's vDSO getcpu reads the CPUNODE segment (0x7b) this way.
     */
    public static long lsl(Cpu cpu, int selector) {
        long d = visibleDescriptor(cpu, selector, false);
        if (d == 0) return -1;
        return limitOf(d) & 0xFFFF_FFFFL;
    }

    /**
     * VERW: ZF = 1 when the selector names a writable data segment accessible at max(CPL, RPL),
     * else 0; never faults on the selector (SDM Vol. 2B VERR/VERW). (Linux executes it for its
     * side effect of clearing CPU buffers, which has nothing to model here.)
     */
    public static void verw(Cpu c, int sel) {
        boolean ok = false;
        if (!isNull(sel)) {
            try {
                int attr = attrOf(readDescriptor(c, sel));
                ok = isWritableData(attr) && dplOf(attr) >= Math.max(c.cpl, sel & 3);
            } catch (CpuException e) {
                ok = false; // outside the table: ZF = 0, no fault
            }
        }
        long f = c.getRflags();
        c.setRflags(ok ? f | dev.lstar.runtime.Flags.ZF : f & ~dev.lstar.runtime.Flags.ZF);
    }
}
