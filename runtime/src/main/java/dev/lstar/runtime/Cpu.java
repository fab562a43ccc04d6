package dev.lstar.runtime;

import dev.lstar.runtime.mem.Mmu;

/**
 * Architectural state of one x86-64 logical processor. Plain public fields: engines (the
 * interpreter, translated code) read and write them directly; the system helpers keep the
 * invariants (segment caches, CPL, EFER.LMA, TLB flushes) when state changes through instructions.
 */
public final class Cpu {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    // ---- segment descriptor attribute word (bits 40..55 of a descriptor, shifted down by 40) ----
    /** Type (4 bits) | S<<4 | DPL<<5 | P<<7 | AVL<<12 | L<<13 | DB<<14 | G<<15. */
    public static final int ATTR_S = 1 << 4, ATTR_P = 1 << 7, ATTR_AVL = 1 << 12, ATTR_L = 1 << 13, ATTR_DB = 1 << 14, ATTR_G = 1 << 15;
    /** Selector loaded with NULL / descriptor cache unusable. */
    public static final int ATTR_UNUSABLE = 1 << 16;

    public static final long EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
    public static final long CR0_PE = 1, CR0_MP = 2, CR0_ET = 16, CR0_NE = 32, CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_LA57 = 1 << 12, CR4_FSGSBASE = 1 << 16,
            CR4_PCIDE = 1 << 17, CR4_SMEP = 1 << 20, CR4_SMAP = 1 << 21, CR4_TSD = 1 << 2, CR4_UMIP = 1 << 11,
            CR4_MCE = 1 << 6, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
    public static final long CR0_EM = 4, CR0_TS = 8;

    public final Vendor vendor;

    /** RAX..R15. */
    public final long[] r = new long[16];
    public long rip;

    /**
     * RFLAGS. While {@link #lzOp} is non-zero the six arithmetic flags in this word are stale and
     * are defined by the lazy record (lzOp, lzSize, lzRes, lzA, lzB, lzAux); {@link #getRflags()}
     * materialises them. Bit 1 is always set.
     */
    public long rflags = Flags.FIXED1;

    /**
     * XMM0..XMM15, 128 bits each as two longs: {@code xmm[2n]} holds bits 63:0 of XMMn and
     * {@code xmm[2n + 1]} bits 127:64 (little-endian lanes: byte k of the register is byte k of
     * the pair). Zero at reset (SDM Vol. 3A Table 10-1).
     */
    public final long[] xmm = new long[32];
    /** MXCSR (SDM Vol. 1 §10.2.3); power-up / reset value 0x1F80: all exceptions masked, round to nearest. */
    public int mxcsr = MXCSR_RESET;
    public static final int MXCSR_RESET = 0x1F80;
    /**
     * The exception bookkeeping an SSE floating-point instruction works in (not state: reset by
     * each instruction, never copied or compared), kept here so that no instruction allocates it.
     */
    public final dev.lstar.runtime.ops.Mxcsr mxcsrScratch = dev.lstar.runtime.ops.Mxcsr.scratch();

    /**
     * x87 data registers R0..R7 by physical number (ST(i) is R((TOP + i) mod 8)): {@code fpm[n]}
     * the 64-bit significand with its explicit integer bit, {@code fpe[n]} the sign (bit 15) and
     * biased exponent (bits 14:0). MMX registers alias {@code fpm} (MMn = fpm[n]).
     */
    public final long[] fpm = new long[8];
    public final int[] fpe = new int[8];
    /** The x87 instructions' working contexts, reused so that they allocate nothing (not state: never copied or compared). */
    public final dev.lstar.runtime.ops.Float80.Ctx[] x87Ctx = dev.lstar.runtime.ops.Float80.scratch();
    /** x87 control word; 0x037F after FNINIT (what Linux gives a process). */
    public int fcw = FCW_INIT;
    public static final int FCW_INIT = 0x037F;
    /** x87 status word, TOP in bits 13:11. */
    public int fsw;
    /** Abridged tag word (FXSAVE's form): bit n = 1 when physical register n is not empty. */
    public int ftw;
    /** Last x87 opcode (11 bits), instruction and data pointers (offsets in 64-bit mode). */
    public int fop;
    public long fip, fdp;
    public int lzOp;
    public int lzSize;
    public long lzRes, lzA, lzB, lzAux;

    /** Current privilege level 0..3. */
    public int cpl;

    // segment registers: visible selector + hidden descriptor cache
    public final int[] segSel = new int[6];
    public final long[] segBase = new long[6];
    public final int[] segLimit = new int[6];
    public final int[] segAttr = new int[6];

    public long cr0, cr2, cr3, cr4, cr8, efer;
    public long star, lstar, cstar, fmask, kernelGsBase, sysenterCs, sysenterEsp, sysenterEip, tscAux;
    public long gdtrBase, idtrBase;
    public int gdtrLimit, idtrLimit;
    public int trSel, trLimit, trAttr;
    public long trBase;
    public int ldtrSel, ldtrLimit, ldtrAttr;
    public long ldtrBase;

    /** Time-stamp counter offset; RDTSC returns a monotonic count derived from retired instructions. */
    public long tscOffset;
    /** Instructions retired (engines add to it at block exits). */
    public long instructions;

    /** Set when the CPU is halted by HLT. */
    public boolean halted;

    /**
     * A single-step trap (#DB) is due when the current instruction completes: armed by an
     * instruction that begins with RFLAGS.TF = 1 (SDM Vol. 3A §18.3.1.4) and by SYSRET when it
     * loads TF = 1 (it traps right after the return, unlike IRET and POPF, whose newly set TF
     * traps after the next instruction); cancelled by instructions that clear TF as they transfer
     * (INT n, INT3, SYSCALL) and by a fault. Every engine raises the trap when an instruction
     * that leaves it armed completes ({@code BlockRunner.trapIfPending}).
     */
    public boolean debugTrapPending;

    /** The memory system seen by this CPU. */
    public Mmu mmu;
    /**
     * Another CPU shares this one's memory and runs at the same time: locked instructions are
     * compare-and-set loops ({@link dev.lstar.runtime.ops.Atomics}). Not machine state (not copied
     * or compared); set by whoever builds the CPUs.
     */
    public boolean smp;
    /** Inside {@link dev.lstar.runtime.ops.Atomics} (its plain path must not re-enter it). */
    public boolean inAtomic;

    public Cpu(Vendor vendor) {
        this.vendor = vendor;
    }

    /** RFLAGS with the arithmetic flags materialised (the lazy record is folded in and cleared). */
    public long getRflags() {
        if (lzOp != 0) {
            rflags = LazyFlags.materialize(this);
            lzOp = 0;
        }
        return rflags;
    }

    /** Replaces RFLAGS wholesale (bit 1 forced on); discards any lazy record. */
    public void setRflags(long value) {
        lzOp = 0;
        long was = rflags;
        rflags = (value | Flags.FIXED1);
        if (((was ^ value) & Flags.AC) != 0 && mmu != null) mmu.syncAlignmentCheck();
    }

    /**
     * Sets all six arithmetic flags (OF SF ZF AF PF CF, {@link Flags#ARITH}) to those in
     * {@code flags} and discards any lazy record, which covers only those six: the rest of RFLAGS
     * stays. For the instructions that write all six (UCOMISD, PTEST, PCMPxSTRx, FCOMI...): no
     * record to fold in first.
     */
    public void setArithmeticFlags(long flags) {
        lzOp = 0;
        rflags = (rflags & ~(long) Flags.ARITH) | (flags & Flags.ARITH);
    }

    /** Sets the CPL (CS.RPL) and re-evaluates the alignment check, which applies at CPL 3 only. */
    public void setCpl(int value) {
        cpl = value;
        if (mmu != null) mmu.syncAlignmentCheck();
    }

    /** Evaluates condition code {@code cc} (0..15), using the lazy record's fast paths where possible. */
    public boolean cond(int cc) {
        return LazyFlags.cond(this, cc);
    }

    public boolean is64BitCode() {
        return (segAttr[CS] & ATTR_L) != 0 && (efer & EFER_LMA) != 0;
    }

    public boolean paging() {
        return (cr0 & CR0_PG) != 0;
    }

    public boolean la57() {
        return (cr4 & CR4_LA57) != 0;
    }

    /** Whether {@code address} is canonical for the current paging mode (48 or 57 bits). */
    public boolean canonical(long address) {
        int shift = la57() ? 7 : 16;
        return ((address << shift) >> shift) == address;
    }

    public int iopl() {
        return (int) (getRflags() >> 12) & 3;
    }

    /**
     * Copies every architectural field of {@code o} into this CPU: registers (XMM and MXCSR too), RIP, RFLAGS with the
     * lazy record, CPL, segment registers and caches, control registers, MSRs, descriptor-table
     * registers, the TSC offset, the retired count and the halt state. Not the vendor or the MMU;
     * the caller re-syncs the TLB (e.g. {@code mmu.flushAll()}) if paging state changed.
     */
    public void copyStateFrom(Cpu o) {
        System.arraycopy(o.r, 0, r, 0, 16);
        System.arraycopy(o.xmm, 0, xmm, 0, 32);
        mxcsr = o.mxcsr;
        rip = o.rip; rflags = o.rflags; lzOp = o.lzOp; lzSize = o.lzSize;
        lzRes = o.lzRes; lzA = o.lzA; lzB = o.lzB; lzAux = o.lzAux;
        cpl = o.cpl;
        System.arraycopy(o.segSel, 0, segSel, 0, 6);
        System.arraycopy(o.segBase, 0, segBase, 0, 6);
        System.arraycopy(o.segLimit, 0, segLimit, 0, 6);
        System.arraycopy(o.segAttr, 0, segAttr, 0, 6);
        cr0 = o.cr0; cr2 = o.cr2; cr3 = o.cr3; cr4 = o.cr4; cr8 = o.cr8; efer = o.efer;
        star = o.star; lstar = o.lstar; cstar = o.cstar; fmask = o.fmask; kernelGsBase = o.kernelGsBase;
        sysenterCs = o.sysenterCs; sysenterEsp = o.sysenterEsp; sysenterEip = o.sysenterEip; tscAux = o.tscAux;
        gdtrBase = o.gdtrBase; idtrBase = o.idtrBase; gdtrLimit = o.gdtrLimit; idtrLimit = o.idtrLimit;
        trSel = o.trSel; trLimit = o.trLimit; trAttr = o.trAttr; trBase = o.trBase;
        ldtrSel = o.ldtrSel; ldtrLimit = o.ldtrLimit; ldtrAttr = o.ldtrAttr; ldtrBase = o.ldtrBase;
        tscOffset = o.tscOffset; instructions = o.instructions; halted = o.halted;
        debugTrapPending = o.debugTrapPending;
        System.arraycopy(o.fpm, 0, fpm, 0, 8);
        System.arraycopy(o.fpe, 0, fpe, 0, 8);
        fcw = o.fcw; fsw = o.fsw; ftw = o.ftw; fop = o.fop; fip = o.fip; fdp = o.fdp;
        if (mmu != null) mmu.syncAlignmentCheck();
    }

    /** Names of the entries of {@link #stateVector()}, in order. */
    public static final String[] STATE_NAMES;

    static {
        java.util.List<String> n = new java.util.ArrayList<>(java.util.List.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cpl"));
        for (String seg : new String[] {"es", "cs", "ss", "ds", "fs", "gs"}) {
            n.addAll(java.util.List.of(seg + ".sel", seg + ".base", seg + ".limit", seg + ".attr"));
        }
        n.addAll(java.util.List.of("cr0", "cr2", "cr3", "cr4", "cr8", "efer", "star", "lstar", "cstar", "fmask",
                "kernelGsBase", "sysenterCs", "sysenterEsp", "sysenterEip", "tscAux", "gdtr.base", "gdtr.limit",
                "idtr.base", "idtr.limit", "tr.sel", "tr.base", "tr.limit", "tr.attr", "ldtr.sel", "ldtr.base",
                "ldtr.limit", "ldtr.attr", "tscOffset", "instructions", "halted", "debugTrapPending"));
        for (int x = 0; x < 16; x++) n.addAll(java.util.List.of("xmm" + x + ".lo", "xmm" + x + ".hi"));
        n.add("mxcsr");
        for (int x = 0; x < 8; x++) n.addAll(java.util.List.of("r" + x + ".m", "r" + x + ".se"));
        n.addAll(java.util.List.of("fcw", "fsw", "ftw", "fop", "fip", "fdp"));
        STATE_NAMES = n.toArray(new String[0]);
    }

    /**
     * Every architectural field as one vector (RFLAGS materialised, so two CPUs with different but
     * equivalent lazy records compare equal), named by {@link #STATE_NAMES}: for comparing states.
     */
    public long[] stateVector() {
        long[] v = new long[STATE_NAMES.length];
        int k = 0;
        for (int i = 0; i < 16; i++) v[k++] = r[i];
        v[k++] = rip;
        v[k++] = lzOp != 0 ? LazyFlags.materialize(this) : rflags;
        v[k++] = cpl;
        for (int i = 0; i < 6; i++) {
            v[k++] = segSel[i]; v[k++] = segBase[i]; v[k++] = segLimit[i]; v[k++] = segAttr[i];
        }
        long[] rest = {cr0, cr2, cr3, cr4, cr8, efer, star, lstar, cstar, fmask, kernelGsBase, sysenterCs, sysenterEsp,
                sysenterEip, tscAux, gdtrBase, gdtrLimit, idtrBase, idtrLimit, trSel, trBase, trLimit, trAttr, ldtrSel,
                ldtrBase, ldtrLimit, ldtrAttr, tscOffset, instructions, halted ? 1 : 0, debugTrapPending ? 1 : 0};
        System.arraycopy(rest, 0, v, k, rest.length);
        k += rest.length;
        System.arraycopy(xmm, 0, v, k, 32);
        v[k + 32] = mxcsr & 0xFFFF_FFFFL;
        k += 33;
        for (int x = 0; x < 8; x++) { v[k++] = fpm[x]; v[k++] = fpe[x]; }
        v[k++] = fcw; v[k++] = fsw; v[k++] = ftw; v[k++] = fop; v[k++] = fip; v[k] = fdp;
        return v;
    }
}
