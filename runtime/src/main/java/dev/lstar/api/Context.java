package dev.lstar.api;

import dev.lstar.runtime.Cpu;

import java.util.Arrays;

/**
 * An immutable copy of the whole architectural CPU state (Unicorn's {@code uc_context}): general
 * registers, RIP, RFLAGS, segment registers with their hidden caches, CPL, control registers,
 * EFER, the SYSCALL/SYSENTER MSRs, GDTR/IDTR/TR/LDTR, the TSC offset and the retired-instruction
 * count (so RDTSC replays identically), and the halted flag. Memory is not included: see
 * {@link Snapshot}. Made by {@link Emulator#contextSave()}, applied by
 * {@link Emulator#contextRestore(Context)}; it may be restored into any emulator of the same
 * vendor, any number of times, from any thread.
 */
public final class Context {
    private final long[] r;
    private final long rip, rflags;
    private final int cpl;
    private final int[] segSel, segLimit, segAttr;
    private final long[] segBase;
    private final long cr0, cr2, cr3, cr4, cr8, efer;
    private final long star, lstar, cstar, fmask, kernelGsBase, sysenterCs, sysenterEsp, sysenterEip, tscAux;
    private final long gdtrBase, idtrBase;
    private final int gdtrLimit, idtrLimit;
    private final int trSel, trLimit, trAttr, ldtrSel, ldtrLimit, ldtrAttr;
    private final long trBase, ldtrBase;
    private final long tscOffset, instructions;
    private final boolean halted;
    final dev.lstar.runtime.Vendor vendor;

    private Context(Cpu c) {
        vendor = c.vendor;
        r = c.r.clone();
        rip = c.rip;
        rflags = c.getRflags();
        cpl = c.cpl;
        segSel = c.segSel.clone();
        segBase = c.segBase.clone();
        segLimit = c.segLimit.clone();
        segAttr = c.segAttr.clone();
        cr0 = c.cr0; cr2 = c.cr2; cr3 = c.cr3; cr4 = c.cr4; cr8 = c.cr8; efer = c.efer;
        star = c.star; lstar = c.lstar; cstar = c.cstar; fmask = c.fmask; kernelGsBase = c.kernelGsBase;
        sysenterCs = c.sysenterCs; sysenterEsp = c.sysenterEsp; sysenterEip = c.sysenterEip; tscAux = c.tscAux;
        gdtrBase = c.gdtrBase; idtrBase = c.idtrBase; gdtrLimit = c.gdtrLimit; idtrLimit = c.idtrLimit;
        trSel = c.trSel; trLimit = c.trLimit; trAttr = c.trAttr; trBase = c.trBase;
        ldtrSel = c.ldtrSel; ldtrLimit = c.ldtrLimit; ldtrAttr = c.ldtrAttr; ldtrBase = c.ldtrBase;
        tscOffset = c.tscOffset;
        instructions = c.instructions;
        halted = c.halted;
    }

    static Context capture(Cpu c) {
        return new Context(c);
    }

    /** Writes this state into {@code c}; the caller flushes the TLB afterwards. */
    void applyTo(Cpu c) {
        if (c.vendor != vendor) throw new IllegalArgumentException("context of a " + vendor + " CPU restored into a " + c.vendor + " CPU");
        System.arraycopy(r, 0, c.r, 0, 16);
        c.rip = rip;
        c.setRflags(rflags);
        c.cpl = cpl;
        System.arraycopy(segSel, 0, c.segSel, 0, 6);
        System.arraycopy(segBase, 0, c.segBase, 0, 6);
        System.arraycopy(segLimit, 0, c.segLimit, 0, 6);
        System.arraycopy(segAttr, 0, c.segAttr, 0, 6);
        c.cr0 = cr0; c.cr2 = cr2; c.cr3 = cr3; c.cr4 = cr4; c.cr8 = cr8; c.efer = efer;
        c.star = star; c.lstar = lstar; c.cstar = cstar; c.fmask = fmask; c.kernelGsBase = kernelGsBase;
        c.sysenterCs = sysenterCs; c.sysenterEsp = sysenterEsp; c.sysenterEip = sysenterEip; c.tscAux = tscAux;
        c.gdtrBase = gdtrBase; c.idtrBase = idtrBase; c.gdtrLimit = gdtrLimit; c.idtrLimit = idtrLimit;
        c.trSel = trSel; c.trLimit = trLimit; c.trAttr = trAttr; c.trBase = trBase;
        c.ldtrSel = ldtrSel; c.ldtrLimit = ldtrLimit; c.ldtrAttr = ldtrAttr; c.ldtrBase = ldtrBase;
        c.tscOffset = tscOffset;
        c.instructions = instructions;
        c.halted = halted;
    }

    /** Whether applying this context leaves the paging controls (CR0, CR3, CR4, EFER) of {@code c} unchanged. */
    boolean samePaging(Cpu c) {
        return c.cr0 == cr0 && c.cr3 == cr3 && c.cr4 == cr4 && c.efer == efer;
    }

    /** The saved value of {@code reg} (same meaning as {@link Emulator#regRead}). */
    public long get(Reg reg) {
        int g = reg.gprIndex();
        if (g >= 0) return r[g];
        return switch (reg) {
            case RIP -> rip;
            case RFLAGS -> rflags;
            case ES -> segSel[Cpu.ES]; case CS -> segSel[Cpu.CS]; case SS -> segSel[Cpu.SS];
            case DS -> segSel[Cpu.DS]; case FS -> segSel[Cpu.FS]; case GS -> segSel[Cpu.GS];
            case FS_BASE -> segBase[Cpu.FS];
            case GS_BASE -> segBase[Cpu.GS];
            case KERNEL_GS_BASE -> kernelGsBase;
            case CR0 -> cr0; case CR2 -> cr2; case CR3 -> cr3; case CR4 -> cr4; case CR8 -> cr8;
            case EFER -> efer;
            case GDTR_BASE -> gdtrBase; case GDTR_LIMIT -> gdtrLimit & 0xFFFF;
            case IDTR_BASE -> idtrBase; case IDTR_LIMIT -> idtrLimit & 0xFFFF;
            case TR -> trSel; case LDTR -> ldtrSel;
            case CPL -> cpl;
            default -> throw new AssertionError(reg);
        };
    }

    /** Retired-instruction count at capture. */
    public long instructions() {
        return instructions;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Context x)) return false;
        return Arrays.equals(r, x.r) && rip == x.rip && rflags == x.rflags && cpl == x.cpl
                && Arrays.equals(segSel, x.segSel) && Arrays.equals(segBase, x.segBase)
                && Arrays.equals(segLimit, x.segLimit) && Arrays.equals(segAttr, x.segAttr)
                && cr0 == x.cr0 && cr2 == x.cr2 && cr3 == x.cr3 && cr4 == x.cr4 && cr8 == x.cr8 && efer == x.efer
                && star == x.star && lstar == x.lstar && cstar == x.cstar && fmask == x.fmask
                && kernelGsBase == x.kernelGsBase && sysenterCs == x.sysenterCs && sysenterEsp == x.sysenterEsp
                && sysenterEip == x.sysenterEip && tscAux == x.tscAux && gdtrBase == x.gdtrBase
                && idtrBase == x.idtrBase && gdtrLimit == x.gdtrLimit && idtrLimit == x.idtrLimit
                && trSel == x.trSel && trLimit == x.trLimit && trAttr == x.trAttr && trBase == x.trBase
                && ldtrSel == x.ldtrSel && ldtrLimit == x.ldtrLimit && ldtrAttr == x.ldtrAttr && ldtrBase == x.ldtrBase
                && tscOffset == x.tscOffset && instructions == x.instructions && halted == x.halted
                && vendor == x.vendor;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(r) * 31 + Long.hashCode(rip);
    }

    @Override
    public String toString() {
        return "Context[rip=0x" + Long.toHexString(rip) + ", cpl=" + cpl + ", rax=0x" + Long.toHexString(r[0]) + "]";
    }
}
