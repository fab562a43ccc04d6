package dev.lstar.api;

import dev.lstar.runtime.Cpu;

import java.util.Arrays;

/**
 * An immutable copy of the whole architectural CPU state (Unicorn's {@code uc_context}): general
 * registers, XMM0-15 and MXCSR, the x87 registers and control/status/tag words, RIP, RFLAGS, segment registers with their hidden caches, CPL, control registers,
 * EFER, the SYSCALL/SYSENTER MSRs, GDTR/IDTR/TR/LDTR, the TSC offset and the retired-instruction
 * count (so RDTSC replays identically), and the halted flag. Memory is not included: see
 * {@link Snapshot}. Made by {@link Emulator#contextSave()}, applied by
 * {@link Emulator#contextRestore(Context)}; it may be restored into any emulator of the same
 * vendor, any number of times, from any thread.
 */
public final class Context {
    /** A detached copy of the CPU (no MMU), flags materialised at capture; never mutated after. */
    private final Cpu s;
    final dev.lstar.runtime.Vendor vendor;

    private Context(Cpu c) {
        vendor = c.vendor;
        s = new Cpu(c.vendor);
        s.copyStateFrom(c);
        s.getRflags(); // fold the lazy record now, so reads never mutate the copy
    }

    static Context capture(Cpu c) {
        return new Context(c);
    }

    /** Writes this state into {@code c}; the caller flushes the TLB afterwards. */
    void applyTo(Cpu c) {
        if (c.vendor != vendor) throw new IllegalArgumentException("context of a " + vendor + " CPU restored into a " + c.vendor + " CPU");
        c.copyStateFrom(s);
    }

    /** Whether applying this context leaves the paging controls (CR0, CR3, CR4, EFER) of {@code c} unchanged. */
    boolean samePaging(Cpu c) {
        return c.cr0 == s.cr0 && c.cr3 == s.cr3 && c.cr4 == s.cr4 && c.efer == s.efer;
    }

    /** The saved value of {@code reg} (same meaning as {@link Emulator#regRead}). */
    public long get(Reg reg) {
        int g = reg.gprIndex();
        if (g >= 0) return s.r[g];
        if (reg.mmIndex() >= 0) return s.fpm[reg.mmIndex()];
        return switch (reg) {
            case RIP -> s.rip;
            case RFLAGS -> s.rflags;
            case ES -> s.segSel[Cpu.ES]; case CS -> s.segSel[Cpu.CS]; case SS -> s.segSel[Cpu.SS];
            case DS -> s.segSel[Cpu.DS]; case FS -> s.segSel[Cpu.FS]; case GS -> s.segSel[Cpu.GS];
            case FS_BASE -> s.segBase[Cpu.FS];
            case GS_BASE -> s.segBase[Cpu.GS];
            case KERNEL_GS_BASE -> s.kernelGsBase;
            case CR0 -> s.cr0; case CR2 -> s.cr2; case CR3 -> s.cr3; case CR4 -> s.cr4; case CR8 -> s.cr8;
            case EFER -> s.efer;
            case GDTR_BASE -> s.gdtrBase; case GDTR_LIMIT -> s.gdtrLimit & 0xFFFF;
            case IDTR_BASE -> s.idtrBase; case IDTR_LIMIT -> s.idtrLimit & 0xFFFF;
            case TR -> s.trSel; case LDTR -> s.ldtrSel;
            case CPL -> s.cpl;
            case MXCSR -> s.mxcsr & 0xFFFF_FFFFL;
            case FCW -> s.fcw;
            case FSW -> s.fsw & 0xFFFF;
            case FTW -> dev.lstar.runtime.ops.X87.tagWord(s);
            default -> throw new IllegalArgumentException(reg + " is 128-bit: use get128");
        };
    }

    /** The saved XMM register {@code reg} as {bits 63:0, bits 127:64}. */
    public long[] get128(Reg reg) {
        if (reg.stIndex() >= 0) return dev.lstar.runtime.ops.X87.stRead(s, reg.stIndex());
        int x = reg.xmmIndex();
        if (x < 0) throw new IllegalArgumentException(reg + " is not an XMM register");
        return new long[] {s.xmm[2 * x], s.xmm[2 * x + 1]};
    }

    /** Retired-instruction count at capture. */
    public long instructions() {
        return s.instructions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Context x && vendor == x.vendor && Arrays.equals(s.stateVector(), x.s.stateVector());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(s.r) * 31 + Long.hashCode(s.rip);
    }

    @Override
    public String toString() {
        return "Context[rip=0x" + Long.toHexString(s.rip) + ", cpl=" + s.cpl + ", rax=0x" + Long.toHexString(s.r[0]) + "]";
    }
}
